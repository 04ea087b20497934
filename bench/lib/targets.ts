/** The targets of issue 4, checked against one run's figures. */

export interface TargetCheck {
  id: string;
  description: string;
  value: number;
  /** e.g. "<= 2.5" */
  limit: string;
  pass: boolean;
}

export interface TargetInputs {
  p50Ratio: number;
  p99Ratio: number;
  throughputRatioAt256: number | undefined;
  loadErrors: number;
  loadMismatches: number;
  coldStartRatio: number;
  rssWithManyServersMb: number;
  manyServers: number;
  gatewayPeakUnderLoadMb: number;
  directPeakUnderLoadMb: number;
  soakGrowthMb: number;
  soakCalls: number;
  gatewayToolsTokens: number;
}

/** RSS may wander with the garbage collector; more than this over the soak is a leak. */
export const SOAK_GROWTH_LIMIT_MB = 10;

export function checkTargets(inputs: TargetInputs): TargetCheck[] {
  const atMost = (id: string, description: string, value: number, limit: number): TargetCheck => ({
    id,
    description,
    value,
    limit: `<= ${limit}`,
    pass: value <= limit,
  });
  return [
    atMost('latency_p50_ratio', 'sequential execute_tool p50 ÷ direct p50', inputs.p50Ratio, 2.5),
    atMost('latency_p99_ratio', 'sequential execute_tool p99 ÷ direct p99', inputs.p99Ratio, 3.0),
    {
      id: 'throughput_ratio_256',
      description: 'calls/s at 256 in flight, gateway ÷ direct',
      value: inputs.throughputRatioAt256 ?? Number.NaN,
      limit: '>= 0.5',
      pass: (inputs.throughputRatioAt256 ?? 0) >= 0.5,
    },
    atMost('load_errors', 'errors under load (every level, 1000 in flight included)', inputs.loadErrors, 0),
    atMost('load_mismatches', 'replies not matching their request', inputs.loadMismatches, 0),
    atMost(
      'cold_start_ratio',
      'spawn → first list_servers ÷ bare SDK server spawn → first call',
      inputs.coldStartRatio,
      1.5,
    ),
    {
      id: 'rss_many_servers',
      description: `gateway RSS with ${inputs.manyServers} servers, tool lists cached (MB)`,
      value: inputs.rssWithManyServersMb,
      limit: '< 100',
      pass: inputs.rssWithManyServersMb < 100,
    },
    atMost(
      'peak_rss_under_load',
      'gateway peak RSS at 1000 in flight (MB) vs the direct fixture’s own peak',
      inputs.gatewayPeakUnderLoadMb,
      inputs.directPeakUnderLoadMb,
    ),
    atMost(
      'rss_growth_soak',
      `gateway RSS growth over ${inputs.soakCalls} calls after warm-up (MB)`,
      inputs.soakGrowthMb,
      SOAK_GROWTH_LIMIT_MB,
    ),
    atMost('gateway_tools_tokens', "gateway's own tools/list, o200k tokens", inputs.gatewayToolsTokens, 500),
  ];
}
