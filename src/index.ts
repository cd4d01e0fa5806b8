// The public surface, chosen: test/conventions/public-api.test.ts pins every name exported here.
// Nothing under ./private is reachable from it.
export * from './thanos-stack';
export * from './components';
export * from './config';
export * from './wiring';
export * from './output';
export { ContainerImages, DEFAULT_IMAGES } from './images';
export { Defaults } from './defaults';
export { NamedPort, PORTS, WellKnownPorts } from './ports';
