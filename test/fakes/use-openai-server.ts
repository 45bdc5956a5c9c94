import { afterAll, afterEach, beforeAll } from 'vitest';
import { startFakeOpenAIServer, type FakeOpenAIServer, type FakeOpenAIServerOptions } from './openai-server.js';

/**
 * Starts a fake OpenAI-format server for the calling test file: before its tests, closed after
 * them, with recorded requests and scripted faults cleared after each test. The returned handle
 * forwards to the running server (it throws if used outside a test).
 */
export function useFakeOpenAIServer(options: FakeOpenAIServerOptions = {}): FakeOpenAIServer {
	let running: FakeOpenAIServer | undefined;
	beforeAll(async () => {
		running = await startFakeOpenAIServer(options);
	});
	afterAll(async () => {
		await running?.close();
	});
	afterEach(() => {
		running?.requests.splice(0);
		running?.clearScript();
	});
	const current = (): FakeOpenAIServer => {
		if (!running) throw new Error('the fake OpenAI server runs only while the file\'s tests run');
		return running;
	};
	return {
		get baseUrl() {
			return current().baseUrl;
		},
		get requests() {
			return current().requests;
		},
		script: (...faults) => current().script(...faults),
		clearScript: () => current().clearScript(),
		close: () => current().close(),
	};
}
