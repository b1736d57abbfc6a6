export * from './constants.ts';
export * from './errors.ts';
export * from './media-schemas.ts';
export * from './signalling.ts';
export * from './rooms-api.ts';
export { describeZodError, jsonByteLength } from './validate.ts';
export * from './model-contract.ts';
export * from './ai-protocol.ts';
