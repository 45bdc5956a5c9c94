import { describe, expect, it } from 'vitest';
import { parseConfig, publicConfig } from './config.js';

describe('parseConfig', () => {
	it('gives the embedded defaults for an empty environment, with no issues', () => {
		const { config, issues } = parseConfig({});
		expect(issues).toEqual([]);
		expect(config).toMatchObject({ ML_QUEUE: 'auto', ML_CHUNK_SIZE: 1000, ML_SEED_DEMO: true, ML_PROVIDER_MAX_RETRIES: 4 });
		expect(config.ML_REDIS_URL).toBeUndefined();
	});

	it('accepts the strings, numbers and booleans Directus hands over', () => {
		const { config, issues } = parseConfig({ ML_CHUNK_SIZE: '800', ML_PROVIDER_MAX_RETRIES: 2, ML_SEED_DEMO: 'off', ML_QUEUE: 'bullmq', ML_ALLOWED_KEY_ENVS: ' OPENAI_API_KEY, ,ML_GROQ_API_KEY ' });
		expect(issues).toEqual([]);
		expect(config).toMatchObject({ ML_CHUNK_SIZE: 800, ML_PROVIDER_MAX_RETRIES: 2, ML_SEED_DEMO: false, ML_QUEUE: 'bullmq', ML_ALLOWED_KEY_ENVS: ['OPENAI_API_KEY', 'ML_GROQ_API_KEY'] });
		expect(parseConfig({ ML_SEED_DEMO: 0 }).config.ML_SEED_DEMO).toBe(false);
		expect(parseConfig({ ML_ALLOWED_KEY_ENVS: '' }).config.ML_ALLOWED_KEY_ENVS).toEqual(['OPENAI_API_KEY', 'ML_*_API_KEY']);
	});

	it('never stops start-up on a bad value: it reports it and keeps the default', () => {
		const { config, issues } = parseConfig({ ML_CHUNK_SIZE: '12', ML_QUEUE: 'kafka', ML_SEED_DEMO: 'maybe' });
		expect(config).toMatchObject({ ML_CHUNK_SIZE: 1000, ML_QUEUE: 'auto', ML_SEED_DEMO: true });
		expect(issues.map((i) => i.variable).sort()).toEqual(['ML_CHUNK_SIZE', 'ML_QUEUE', 'ML_SEED_DEMO']);
		expect(issues.find((i) => i.variable === 'ML_CHUNK_SIZE')).toMatchObject({ value: '12', message: expect.stringMatching(/100/) });
	});
});

describe('parseConfig validation', () => {
	it('checks key variable names and URLs, reports the offending value (key variables hold names, not secrets), and keeps the default', () => {
		const { config, issues } = parseConfig({ ML_CHAT_API_KEY_ENV: 'my-key', ML_CHAT_BASE_URL: 'not a url', ML_EMBEDDING_BASE_URL: 'http://ollama:11434/v1' });
		expect(config.ML_CHAT_API_KEY_ENV).toBe('OPENAI_API_KEY');
		expect(config.ML_CHAT_BASE_URL).toBeUndefined();
		expect(config.ML_EMBEDDING_BASE_URL).toBe('http://ollama:11434/v1');
		expect(issues).toEqual([
			{ variable: 'ML_CHAT_BASE_URL', value: 'not a url', message: expect.any(String) },
			{ variable: 'ML_CHAT_API_KEY_ENV', value: 'my-key', message: expect.stringContaining('environment variable name') },
		]);
	});

	it('treats blank URLs as unset and reports non-integers and out-of-range numbers', () => {
		expect(parseConfig({ ML_CHAT_BASE_URL: '  ', ML_REDIS_URL: '' }).issues).toEqual([]);
		expect(parseConfig({ ML_CHUNK_SIZE: '800.5' }).issues.map((i) => i.variable)).toEqual(['ML_CHUNK_SIZE']);
		expect(parseConfig({ ML_PROVIDER_MAX_RETRIES: -1 }).issues).toMatchObject([{ variable: 'ML_PROVIDER_MAX_RETRIES', value: '-1' }]);
	});
});

describe('publicConfig', () => {
	it('shows connection URLs without their credentials', () => {
		const { config } = parseConfig({ ML_REDIS_URL: 'redis://worker:s3cret@redis.internal:6379/2' });
		const shown = publicConfig(config);
		expect(shown.ML_REDIS_URL).toBe('redis://***:***@redis.internal:6379/2');
		expect(JSON.stringify(shown)).not.toContain('s3cret');
		expect(publicConfig(parseConfig({ ML_REDIS_URL: 'not a url' }).config).ML_REDIS_URL).toBe('[unparseable]');
		expect(publicConfig(parseConfig({ ML_PGVECTOR_URL: 'postgres://ml:pw@db:5432/vectors' }).config).ML_PGVECTOR_URL).toBe('postgres://***:***@db:5432/vectors');
		expect(publicConfig(parseConfig({}).config)).toMatchObject({ ML_REDIS_URL: undefined, ML_PGVECTOR_URL: undefined, ML_QUEUE: 'auto' });
	});
});
