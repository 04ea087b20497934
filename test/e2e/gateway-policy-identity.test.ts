/** End-to-end: the identity and policy suite (suites/policy-identity-suite.ts) through the built CLI. */
import { startGateway } from './harness.ts';
import { policyIdentitySuite } from './suites/policy-identity-suite.ts';

policyIdentitySuite(startGateway);
