export * from './chat.ts';
export * from './chat-errors.ts';
export * from './checkpoints.ts';
export * from './errors.ts';
export * from './messages.ts';
export * from './relay.ts';
export * from './worker-api.ts';
export * from './widget.ts';
