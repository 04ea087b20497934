/** End-to-end: the supervision suites (suites/supervision-suite.ts) through the built CLI. */
import { startGateway } from './harness.ts';
import {
  supervisesCrashes,
  supervisesForgottenSessions,
  supervisesStartup,
} from './suites/supervision-suite.ts';

supervisesCrashes(startGateway);
supervisesStartup(startGateway);
supervisesForgottenSessions(startGateway);
