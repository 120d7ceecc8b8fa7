export * from './chat.ts';
export * from './errors.ts';
