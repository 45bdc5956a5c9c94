import { describe, expect, it } from 'vitest';
import { InvalidPayloadError } from '../errors.js';
import { buildEvalQueriesFromBeir, parseBeirQueries, parseQrels } from './beir-import.js';
import { parseEvalQueries } from './eval-set.js';

const QUERIES = ['{"_id": "q1", "text": "water bears in space", "metadata": {}}', '{"_id": 2, "text": "  sourdough starter  "}', '', '{"_id": "q3", "text": "no judgements"}'].join('\n');
const QRELS = 'query-id\tcorpus-id\tscore\nq1\tdoc-a\t2\nq1\tdoc-b\t1\nq1\tdoc-x\t0\n2\tdoc-c\t1\n2\tmissing\t1\nq9\tdoc-a\t1\n';

/** Corpus ids stand for slugs; item keys are numbers as text. */
const SLUGS: Record<string, string> = { 'doc-a': '11', 'doc-b': '12', 'doc-c': '13' };
const resolveSlugs = async (ids: string[]): Promise<Map<string, string>> => new Map(ids.filter((id) => SLUGS[id]).map((id) => [id, SLUGS[id]!]));

describe('BEIR queries.jsonl', () => {
	it('reads ids (numbers too) and trimmed texts in file order, skipping blank lines', () => {
		expect([...parseBeirQueries(QUERIES)]).toEqual([
			['q1', 'water bears in space'],
			['2', 'sourdough starter'],
			['q3', 'no judgements'],
		]);
	});

	it('names the line of a bad entry', () => {
		expect(() => parseBeirQueries('{"_id":"a","text":"x"}\n{oops')).toThrow(/queries line 2 is not JSON/);
		expect(() => parseBeirQueries('{"text":"x"}')).toThrow(/queries line 1 has no "_id"/);
		expect(() => parseBeirQueries('{"_id":"a"}')).toThrow(/query "a"\) has no "text"/);
		expect(() => parseBeirQueries('{"_id":"a","text":"x"}\n{"_id":"a","text":"y"}')).toThrow(/"a" appears twice/);
		expect(() => parseBeirQueries('\n\n')).toThrow(InvalidPayloadError);
	});
});

describe('qrels', () => {
	it('reads BEIR TSV with its header', () => {
		expect(parseQrels(QRELS).slice(0, 2)).toEqual([
			{ queryId: 'q1', corpusId: 'doc-a', grade: 2 },
			{ queryId: 'q1', corpusId: 'doc-b', grade: 1 },
		]);
	});

	it('reads TREC qrels (query iteration doc relevance)', () => {
		expect(parseQrels('301 0 FBIS3-10082 1\n301 0 FBIS3-10169 0\r\n')).toEqual([
			{ queryId: '301', corpusId: 'FBIS3-10082', grade: 1 },
			{ queryId: '301', corpusId: 'FBIS3-10169', grade: 0 },
		]);
	});

	it('refuses malformed lines, naming them', () => {
		expect(() => parseQrels('q1\tdoc\n')).toThrow(/qrels line 1 has 2 columns/);
		expect(() => parseQrels('q1\tdoc\t1\nq1\tdoc2\thigh\n')).toThrow(/qrels line 2: relevance "high" must be a whole number/);
		expect(() => parseQrels('q1\tdoc\t1.5\n')).toThrow(/line 1: relevance "1.5"/);
		expect(() => parseQrels('q1\tdoc\t11\n')).toThrow(/above 10/);
		expect(() => parseQrels('query-id\tcorpus-id\tscore\n')).toThrow(/holds no judgement/);
	});
});

describe('buildEvalQueriesFromBeir', () => {
	it('maps corpus ids to items, keeps grades, drops non-relevant and unmapped judgements and reports them', async () => {
		const { queries, report } = await buildEvalQueriesFromBeir(parseBeirQueries(QUERIES), parseQrels(QRELS), resolveSlugs);
		expect(queries).toEqual([
			{ id: 'q1', query: 'water bears in space', relevant: [{ item: '11', grade: 2 }, { item: '12', grade: 1 }] },
			{ id: '2', query: 'sourdough starter', relevant: [{ item: '13', grade: 1 }] },
		]);
		expect(report).toEqual({
			queriesInFile: 3,
			qrelsInFile: 6,
			queriesImported: 2,
			relevantPairs: 3,
			nonRelevantJudgements: 1,
			unmappedJudgements: 1,
			unmappedCorpusIds: 1,
			unmappedSample: ['missing'],
			judgedQueriesMissingText: 1,
			queriesWithoutMappedRelevant: 0,
			queriesOverLimit: 0,
		});
		// What it built is a valid set.
		expect(parseEvalQueries(queries)).toEqual(queries);
	});

	it('leaves out queries none of whose relevant documents are items, and honours maxQueries', async () => {
		const qrels = parseQrels('q1\tmissing\t1\n2\tdoc-c\t1\nq3\tdoc-a\t1\n');
		const { queries, report } = await buildEvalQueriesFromBeir(parseBeirQueries(QUERIES), qrels, resolveSlugs, { maxQueries: 1 });
		expect(queries.map((q) => q.id)).toEqual(['2']);
		expect(report).toMatchObject({ queriesWithoutMappedRelevant: 1, queriesOverLimit: 1, queriesImported: 1 });
	});

	it('keeps the highest grade when two corpus documents map to the same item', async () => {
		const resolveAllToOne = async (ids: string[]) => new Map(ids.map((id) => [id, '1']));
		const { queries } = await buildEvalQueriesFromBeir(parseBeirQueries(QUERIES), parseQrels('q1\ta\t1\nq1\tb\t3\n'), resolveAllToOne);
		expect(queries[0]?.relevant).toEqual([{ item: '1', grade: 3 }]);
	});

	it('says why nothing could be imported when no corpus id matches an item', async () => {
		const error = await buildEvalQueriesFromBeir(parseBeirQueries(QUERIES), parseQrels('q1\tzzz\t1\n'), resolveSlugs).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(InvalidPayloadError);
		expect((error as Error).message).toMatch(/1 of 1 relevant corpus ids match no item \(e\.g\. "zzz"\)\. Check the id field/);
	});
});

describe('parseEvalQueries', () => {
	it('accepts JSON text (SQLite) and coerces numeric ids and keys to text', () => {
		expect(parseEvalQueries('[{"id":1,"query":"q","relevant":[{"item":5}]}]')).toEqual([{ id: '1', query: 'q', relevant: [{ item: '5', grade: 1 }] }]);
	});

	it('names the offending entries', () => {
		expect(() => parseEvalQueries([{ id: 'a', query: 'q', relevant: [] }])).toThrow(/"queries\.0\.relevant": needs at least one relevant item/);
		expect(() => parseEvalQueries([{ id: 'a', query: 'q', relevant: [{ item: 'x', grade: 0 }] }])).toThrow(/"queries\.0\.relevant\.0\.grade": must be at least 1/);
		expect(() =>
			parseEvalQueries([
				{ id: 'a', query: 'q', relevant: [{ item: 'x' }] },
				{ id: 'a', query: 'r', relevant: [{ item: 'x' }, { item: 'x' }] },
			]),
		).toThrow(/"queries\.1\.id": duplicate query id "a".*"queries\.1\.relevant\.1\.item": item "x" is listed twice/);
		expect(() => parseEvalQueries('{nope')).toThrow(/not valid JSON/);
		expect(() => parseEvalQueries([])).toThrow(/needs at least one query/);
	});
});
