/** End-to-end: the discovery suite (suites/discovery-suite.ts) through the built CLI over stdio. */
import { startGateway } from './harness.ts';
import { discoverySuite } from './suites/discovery-suite.ts';

discoverySuite(startGateway);
