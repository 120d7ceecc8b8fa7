// Fake provider servers for tests and benchmarks: real HTTP on 127.0.0.1:0, real wire formats.
export { type AnthropicRequest, type AnthropicScript, type AnthropicStep, type FakeAnthropic, lastToolResults, lastUserText, startFakeAnthropic } from './anthropic.ts';
export { collect, finalEvent, makeTempEnv, makeTurn, memoryLogger, type TempEnv, tokenText } from './harness.ts';
export type { RecordedRequest, WrittenChunk } from './http.ts';
export { type FakeOllama, type OllamaRequest, type OllamaScript, type OllamaStep, startFakeOllama } from './ollama.ts';
export { type ChatRequest, type FakeOpenAI, type OpenAIScript, type OpenAIStep, startFakeOpenAI, type TranscriptionRequest, type TranscriptionScript } from './openai.ts';
