import { describe, expect, it } from 'vitest';
import { NotConfiguredError } from '../errors.js';
import { createChatModel } from './create-model.js';
import { DEFAULT_ALLOWED_KEY_ENVS, ModelEndpointPolicy } from './model-endpoint-policy.js';
import type { ModelDefinition } from './types.js';

const defaults = new ModelEndpointPolicy({ allowedKeyEnvs: DEFAULT_ALLOWED_KEY_ENVS, allowedHosts: [] });

describe('ModelEndpointPolicy', () => {
	it('allows OPENAI_API_KEY and ML_*_API_KEY by default, and nothing else', () => {
		expect(defaults.keyEnvProblem('OPENAI_API_KEY')).toBeNull();
		expect(defaults.keyEnvProblem('ML_OLLAMA_API_KEY')).toBeNull();
		expect(defaults.keyEnvProblem('ML__API_KEY')).toBeNull();
		for (const name of ['DB_PASSWORD', 'SECRET', 'ADMIN_PASSWORD', 'ML_API_KEY_X', 'XML_A_API_KEY', 'OPENAI_API_KEY_2']) {
			expect(defaults.keyEnvProblem(name), name).toMatch(new RegExp(`"${name}" is not allowed.*ML_ALLOWED_KEY_ENVS`));
		}
		expect(defaults.keyEnvProblem('lower; rm -rf')).toMatch(/not an environment variable name/);
	});

	it('accepts only http(s) base URLs without credentials', () => {
		expect(defaults.baseUrlProblem('http://localhost:11434/v1')).toBeNull();
		expect(defaults.baseUrlProblem('https://api.example.com/v1')).toBeNull();
		expect(defaults.baseUrlProblem('file:///etc/passwd')).toMatch(/http or https, not "file"/);
		expect(defaults.baseUrlProblem('ftp://example.com')).toMatch(/http or https/);
		expect(defaults.baseUrlProblem('not a url')).toMatch(/not a URL/);
		expect(defaults.baseUrlProblem('https://user:pw@example.com')).toMatch(/credentials/);
	});

	it('limits hosts when a host allowlist is set (wildcard subdomains, pinned ports)', () => {
		const policy = new ModelEndpointPolicy({ allowedKeyEnvs: DEFAULT_ALLOWED_KEY_ENVS, allowedHosts: ['api.openai.com', '*.internal.example', 'localhost:11434'] });
		expect(policy.baseUrlProblem('https://api.openai.com/v1')).toBeNull();
		expect(policy.baseUrlProblem('http://vllm.internal.example/v1')).toBeNull();
		expect(policy.baseUrlProblem('http://a.b.internal.example/v1')).toBeNull();
		expect(policy.baseUrlProblem('http://internal.example/v1')).toMatch(/not allowed/);
		expect(policy.baseUrlProblem('http://localhost:11434/v1')).toBeNull();
		expect(policy.baseUrlProblem('http://localhost:8080/v1')).toMatch(/host "localhost:8080" is not allowed.*ML_ALLOWED_BASE_URL_HOSTS/);
		expect(policy.baseUrlProblem('https://attacker.example.net')).toMatch(/not allowed/);
		expect(policy.baseUrlProblem('https://api.openai.com.attacker.net')).toMatch(/not allowed/);
	});

	it('checks only the fields a partial payload carries', () => {
		expect(defaults.rowProblems({ name: 'x' } as never)).toEqual([]);
		expect(defaults.rowProblems({ api_key_env: null, base_url: '' })).toEqual([]);
		expect(defaults.rowProblems({ api_key_env: 'DB_PASSWORD', base_url: 'gopher://x' })).toHaveLength(2);
	});

	it('refuses to build a model whose row names a forbidden variable, without reading it', () => {
		const read: string[] = [];
		const def: ModelDefinition = {
			id: '1', name: 'sneaky', provider: 'openai-compatible', task: 'chat', modelId: 'm', baseUrl: 'http://127.0.0.1:9/v1', apiKeyEnv: 'DB_PASSWORD',
			dimensions: null, maxInputTokens: null, maxBatchSize: null, contextWindow: null, inputPricePerMillion: 0, outputPricePerMillion: 0, isDefault: false, status: 'active',
		};
		const build = () => createChatModel(def, { policy: defaults, resolveSecret: (name) => (read.push(name), 'secret') });
		expect(build).toThrow(NotConfiguredError);
		expect(build).toThrow(/"DB_PASSWORD" is not allowed/);
		expect(read).toEqual([]);
	});
});
