import { describe, expect, it } from 'vitest';
import { LocalEmbeddingModel } from '../providers/local-embedding-model.js';
import { LocalAnalysisEngine } from './local-analysis-engine.js';

const embedder = new LocalEmbeddingModel({ modelId: 'local-hash-384', dimensions: 384 });
const engine = new LocalAnalysisEngine({
	embed: async (texts) => {
		const out = await embedder.embed(texts);
		return { embeddings: out.embeddings, usage: out.usage, provider: 'local', model: 'local-hash-384' };
	},
});

const ARTICLE = `Vector databases explained

Traditional databases answer exact questions well. A vector database stores embeddings, lists of numbers that place similar texts near each other. When a query arrives, the vector database finds the nearest embeddings quickly using an index such as HNSW. Building the index takes time, but searches then take milliseconds. Many teams now pair a vector database with a relational database. The weather was nice that week.`;

describe('LocalAnalysisEngine', () => {
	it('labels clearly positive and negative text', async () => {
		expect((await engine.sentiment('I absolutely loved this place, the staff were wonderful and the food was great.', {})).result.sentiment).toBe('positive');
		const negative = (await engine.sentiment('Terrible service, cold food and a rude waiter. I will never come back.', {})).result;
		expect(negative.sentiment).toBe('negative');
		expect(negative.score).toBeLessThan(0);
		expect(negative.confidence).toBeGreaterThan(0.5);
	});

	it('calls a text mixed when both polarities weigh, not when one stray sentence disagrees', async () => {
		const balanced = (await engine.sentiment('The food was wonderful and the dessert was excellent. The service was terrible and the waiter was rude.', {})).result;
		expect(balanced.sentiment).toBe('mixed');
		// A long, warm article with a single critical sentence (as the demo articles are) leans positive.
		const warm = [
			'The new library is a wonderful place to work.',
			'The reading rooms are bright and the chairs are comfortable.',
			'The staff are friendly and helpful.',
			'The coffee in the cafe is excellent.',
			'The garden is a lovely spot for lunch.',
			'The collection of old maps is impressive.',
			'Parking, sadly, is terrible.',
			'The building opens at nine.',
			'It has three floors and a basement.',
			'Books are sorted by subject.',
			'Members borrow up to ten books.',
			'The library was built in 1960.',
			'It closes at six on weekdays.',
			'A bus stops outside the main door.',
			'Lockers are on the ground floor.',
			'Printing costs ten cents a page.',
		].join(' ');
		const out = (await engine.sentiment(warm, {})).result;
		expect(out.score).toBeGreaterThan(0.05);
		expect(out.score).toBeLessThan(0.3);
		expect(out.sentiment).toBe('positive');
	});

	it('reports aspects when asked', async () => {
		const out = await engine.sentiment('The battery life is excellent. The screen is dim and disappointing.', { includeAspects: true });
		expect(out.result.aspects?.length).toBeGreaterThan(0);
		const battery = out.result.aspects?.find((a) => a.aspect.includes('battery'));
		expect(battery?.sentiment).toBe('positive');
	});

	it('summarises within the word budget, without the headline, in document order', async () => {
		const out = (await engine.summarize(ARTICLE, { maxLength: 40 })).result;
		expect(out.summary.split(/\s+/).length).toBeLessThanOrEqual(40);
		expect(out.summary).not.toContain('Vector databases explained');
		expect(out.summary).toContain('vector database');
		expect(out.keyPoints.length).toBeGreaterThan(0);
	});

	it('extracts keyphrases merging inflections', async () => {
		const out = (await engine.keywords(ARTICLE, { maxKeywords: 5 })).result;
		expect(out.keywords[0]).toBe('vector database');
		expect(out.keywords.length).toBeLessThanOrEqual(5);
	});

	it('classifies zero-shot through embeddings of category descriptions', async () => {
		const categories = [
			{ name: 'sport', description: 'football match, team, player, goal, league, coach, season' },
			{ name: 'technology', description: 'software, computer, database, internet, app, data, index, search' },
			{ name: 'food', description: 'restaurant, recipe, cooking, dish, chef, taste' },
		];
		const single = (await engine.classify(ARTICLE, categories, {})).result;
		expect(single.labels).toEqual(['technology']);
		expect(single.classifications.reduce((a, c) => a + c.confidence, 0)).toBeCloseTo(1, 2);
		const multi = (await engine.classify(ARTICLE, categories, { multiLabel: true, threshold: 0.99 })).result;
		expect(multi.labels).toEqual(['technology']);
	});

	it('finds people, organisations, places and dates', async () => {
		const out = (await engine.entities('Angela Merkel met the European Union delegation in Berlin on 3 March 2024. Merkel spoke first.')).result;
		const types = Object.fromEntries(out.entities.map((e) => [e.text, e.type]));
		expect(types['Angela Merkel']).toBe('person');
		expect(types['Berlin']).toBe('place');
		expect(types['European Union']).toBe('organization');
		expect(out.entities.some((e) => e.type === 'date')).toBe(true);
	});

	it('detects the language', async () => {
		expect((await engine.language('Le gouvernement a annoncé mardi une nouvelle réforme des retraites qui sera présentée au parlement.')).result.language).toBe('fr');
		expect((await engine.language(ARTICLE)).result.language).toBe('en');
		expect((await engine.language('ok')).result.language).toBe('und');
	});

	it('scores readability: simple text reads easier than dense text', async () => {
		const easy = (await engine.readability('The cat sat on the mat. It was a sunny day. We had fun.')).result;
		const hard = (await engine.readability('Notwithstanding considerable methodological heterogeneity, the investigators systematically characterised multidimensional organisational interdependencies.')).result;
		expect(easy.fleschReadingEase).toBeGreaterThan(hard.fleschReadingEase);
		expect(easy.fleschKincaidGrade).toBeLessThan(hard.fleschKincaidGrade);
	});

	it('generates only from context, and says what to configure otherwise', async () => {
		await expect(engine.generate('Write a poem', {})).rejects.toMatchObject({ code: 'NOT_CONFIGURED' });
		const out = (await engine.generate('How fast are searches?', { context: ARTICLE })).result;
		expect(out.content).toContain('milliseconds');
	});
});
