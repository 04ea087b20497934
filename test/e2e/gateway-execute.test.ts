/** End-to-end: the execute_tool suite (suites/execute-suite.ts) through the built CLI over stdio. */
import { startGateway } from './harness.ts';
import { executeSuite } from './suites/execute-suite.ts';

executeSuite(startGateway);
