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

describe('publicConfig', () => {
	it('shows connection URLs without their credentials', () => {
		const { config } = parseConfig({ ML_REDIS_URL: 'redis://worker:s3cret@redis.internal:6379/2' });
		const shown = publicConfig(config);
		expect(shown.ML_REDIS_URL).toBe('redis://***:***@redis.internal:6379/2');
		expect(JSON.stringify(shown)).not.toContain('s3cret');
		expect(publicConfig(parseConfig({ ML_REDIS_URL: 'not a url' }).config).ML_REDIS_URL).toBe('[unparseable]');
	});
});
