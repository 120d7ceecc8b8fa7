export { createRelay, type Relay } from './relay.ts';
export type { RelayOptions } from './options.ts';
export { openStore, type RelayStore, type HandleRecord } from './store/index.ts';
export { createLogger, type Logger, type LogLevel } from './logger.ts';
export { isBlockedAddress, checkTunnelUrl } from './ssrf.ts';
export { checkHandleName, RESERVED_HANDLES } from './handles.ts';
