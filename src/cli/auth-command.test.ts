import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCommand } from './parse-command.ts';

const parse = (...argv: string[]) => {
  const parsed = parseCommand(argv);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.command;
};

describe('parseCommand: auth', () => {
  it('reads the server, --no-browser and --port of a login', () => {
    const command = parse('auth', 'github', '--no-browser', '--port', '8765', '--mcp-config', 'x.json');
    assert.equal(command.name, 'auth');
    assert.equal(command.authServer, 'github');
    assert.equal(command.noBrowser, true);
    assert.equal(command.callbackPort, 8765);
    assert.equal(command.mcpConfig, 'x.json');
  });

  it('reads --status and --logout <server>', () => {
    assert.equal(parse('auth', '--status').authStatus, true);
    const logout = parse('auth', '--logout', 'linear');
    assert.equal(logout.authLogout, 'linear');
    assert.equal(logout.authServer, undefined);
  });

  it('rejects a --port that is not a port number', () => {
    for (const port of ['0', '65536', 'abc', '80.5']) {
      const parsed = parseCommand(['auth', 'github', '--port', port]);
      assert.equal(parsed.ok, false, port);
      if (!parsed.ok) assert.match(parsed.error, /--port must be a port number/);
    }
  });

  it('still refuses an extra argument to other commands', () => {
    const parsed = parseCommand(['validate', 'github']);
    assert.equal(parsed.ok, false);
  });
});
