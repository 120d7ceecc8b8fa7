export * from './chat.ts';
export * from './errors.ts';
export * from './relay.ts';
