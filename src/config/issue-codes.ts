/**
 * What kind of problem a config issue is. Code that must tell issues apart (`validate` turning an
 * unset variable into an error, the watcher recomputing cross-file warnings, tests) reads the code,
 * never the wording of the message, which is for people and free to improve.
 */
export const CONFIG_ISSUE_CODES = {
  not_found: 'no file at the given path, or none where discovery looks (SPEC §4)',
  unreadable: 'the file exists but cannot be read: permissions, or a directory',
  invalid_json: 'the file is not valid JSON',
  schema: 'a value has the wrong type or breaks a rule of the format (SPEC §5, §6)',
  invalid_header: 'a header name or value that fetch would refuse to send',
  unknown_key: 'a key the format does not know; it is ignored',
  ignored_key: 'a known key that has no effect where it is',
  missing_variable: 'a ${VAR} without fallback is unset; its server is unavailable',
  self_reference: 'a servers entry that would start this gateway itself; it is refused',
  unconfigured_server: 'the rules name a server the servers file lacks',
  no_agents: 'the rules define no agent: every call is refused',
  default_agent_not_in_rules: 'GATEWAY_DEFAULT_AGENT names an agent the rules lack',
  default_agent_unused: 'GATEWAY_DEFAULT_AGENT is set but deny_on_missing_agent means it is never used',
  oauth_login_missing: 'an OAuth server has no usable stored login; its calls fail until `auth <server>`',
  invalid_environment: 'a GATEWAY_* variable has a value the gateway does not recognise',
} as const;

export type ConfigIssueCode = keyof typeof CONFIG_ISSUE_CODES;
