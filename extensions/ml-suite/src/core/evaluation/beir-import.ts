import { InvalidPayloadError } from '../errors.js';
import { MAX_EVAL_QUERIES, type EvalQuery } from './eval-set.js';

/**
 * Import of BEIR-format relevance data (the format of the BEIR benchmark, also used by MTEB's
 * retrieval tasks):
 *
 * - `queries.jsonl`: one JSON object per line, `{"_id": "…", "text": "…"}` (`id`/`query` accepted too);
 * - qrels: TSV `query-id<TAB>corpus-id<TAB>score` with an optional header line, or the TREC form
 *   `query-id iteration corpus-id relevance` (whitespace separated).
 *
 * Corpus ids are mapped to the primary keys of the CMS items that hold those documents through
 * a resolver (usually "the item whose field X equals the corpus id"). Judgements with grade ≤ 0
 * are "not relevant" in BEIR and are left out, like unjudged items.
 */
export interface QrelRow {
	queryId: string;
	corpusId: string;
	grade: number;
}

export interface BeirImportReport {
	/** Queries in the queries file. */
	queriesInFile: number;
	/** Judgement lines in the qrels file. */
	qrelsInFile: number;
	/** Queries imported (at least one relevant item found among the CMS items). */
	queriesImported: number;
	/** Relevant (query, item) pairs imported. */
	relevantPairs: number;
	/** Judgements with grade ≤ 0 (not relevant), left out. */
	nonRelevantJudgements: number;
	/** Relevant judgements whose corpus id matched no item. */
	unmappedJudgements: number;
	/** Distinct unmapped corpus ids, and a few of them to look at. */
	unmappedCorpusIds: number;
	unmappedSample: string[];
	/** Judged query ids that are missing from the queries file. */
	judgedQueriesMissingText: number;
	/** Queries with judgements but none of their relevant documents among the items: left out. */
	queriesWithoutMappedRelevant: number;
	/** Queries left out because `maxQueries` was reached. */
	queriesOverLimit: number;
}

function lines(text: string): { line: string; number: number }[] {
	return text
		.replace(/^\uFEFF/, '')
		.split(/\r?\n/)
		.map((line, i) => ({ line: line.trim(), number: i + 1 }))
		.filter((entry) => entry.line.length > 0);
}

/** Parses `queries.jsonl` into id → text, in file order. */
export function parseBeirQueries(text: string): Map<string, string> {
	const queries = new Map<string, string>();
	for (const { line, number } of lines(text)) {
		let row: unknown;
		try {
			row = JSON.parse(line);
		} catch (error) {
			throw new InvalidPayloadError(`queries line ${number} is not JSON: ${(error as Error).message}`, { field: 'queries', line: number });
		}
		if (typeof row !== 'object' || row === null || Array.isArray(row)) {
			throw new InvalidPayloadError(`queries line ${number} must be a JSON object with "_id" and "text".`, { field: 'queries', line: number });
		}
		const record = row as Record<string, unknown>;
		const id = record._id ?? record.id;
		const query = record.text ?? record.query;
		if ((typeof id !== 'string' && typeof id !== 'number') || String(id).trim() === '') {
			throw new InvalidPayloadError(`queries line ${number} has no "_id".`, { field: 'queries', line: number });
		}
		if (typeof query !== 'string' || query.trim() === '') {
			throw new InvalidPayloadError(`queries line ${number} (query "${String(id)}") has no "text".`, { field: 'queries', line: number });
		}
		const key = String(id).trim();
		if (queries.has(key)) throw new InvalidPayloadError(`queries line ${number}: query id "${key}" appears twice.`, { field: 'queries', line: number });
		queries.set(key, query.trim().slice(0, 4000));
	}
	if (queries.size === 0) throw new InvalidPayloadError('The queries file holds no query.', { field: 'queries' });
	return queries;
}

/** Parses BEIR qrels TSV (with or without header) or TREC qrels. */
export function parseQrels(text: string): QrelRow[] {
	const rows: QrelRow[] = [];
	for (const [position, { line, number }] of lines(text).entries()) {
		const columns = line.includes('\t') ? line.split('\t').map((c) => c.trim()) : line.split(/\s+/);
		if (columns.length !== 3 && columns.length !== 4) {
			throw new InvalidPayloadError(`qrels line ${number} has ${columns.length} columns; expected "query-id corpus-id score" (BEIR) or "query-id iteration corpus-id relevance" (TREC).`, {
				field: 'qrels',
				line: number,
			});
		}
		const [queryId = '', corpusId = '', score = ''] = columns.length === 3 ? columns : [columns[0], columns[2], columns[3]];
		// BEIR files start with a `query-id corpus-id score` header.
		if (position === 0 && !/^-?\d+(\.\d+)?$/.test(score)) continue;
		if (!/^-?\d+$/.test(score)) {
			throw new InvalidPayloadError(`qrels line ${number}: relevance "${score}" must be a whole number.`, { field: 'qrels', line: number });
		}
		const grade = Number(score);
		if (grade > 10) throw new InvalidPayloadError(`qrels line ${number}: relevance ${grade} is above 10.`, { field: 'qrels', line: number });
		if (!queryId || !corpusId) throw new InvalidPayloadError(`qrels line ${number} has an empty id.`, { field: 'qrels', line: number });
		rows.push({ queryId, corpusId, grade });
	}
	if (rows.length === 0) throw new InvalidPayloadError('The qrels file holds no judgement.', { field: 'qrels' });
	return rows;
}

/** Maps corpus ids to item primary keys; ids with no item are absent from the result. */
export type CorpusIdResolver = (corpusIds: string[]) => Promise<Map<string, string>>;

/**
 * Builds the queries of an evaluation set from parsed BEIR data: queries in the order of the
 * queries file, each with its relevant items (highest grade kept when a pair is judged twice).
 */
export async function buildEvalQueriesFromBeir(
	queryTexts: Map<string, string>,
	qrels: readonly QrelRow[],
	resolve: CorpusIdResolver,
	options: { maxQueries?: number } = {},
): Promise<{ queries: EvalQuery[]; report: BeirImportReport }> {
	const maxQueries = Math.min(options.maxQueries ?? MAX_EVAL_QUERIES, MAX_EVAL_QUERIES);
	const judged = new Map<string, Map<string, number>>();
	let nonRelevant = 0;
	for (const row of qrels) {
		if (row.grade <= 0) {
			nonRelevant++;
			continue;
		}
		const perQuery = judged.get(row.queryId) ?? new Map<string, number>();
		perQuery.set(row.corpusId, Math.max(row.grade, perQuery.get(row.corpusId) ?? 0));
		judged.set(row.queryId, perQuery);
	}
	const corpusIds = [...new Set([...judged.values()].flatMap((m) => [...m.keys()]))];
	const mapping = await resolve(corpusIds);
	const unmapped = corpusIds.filter((id) => !mapping.has(id));

	const queries: EvalQuery[] = [];
	let unmappedJudgements = 0;
	let withoutMapped = 0;
	let overLimit = 0;
	let relevantPairs = 0;
	for (const [id, text] of queryTexts) {
		const perQuery = judged.get(id);
		if (!perQuery) continue;
		const relevant = new Map<string, number>();
		for (const [corpusId, grade] of perQuery) {
			const item = mapping.get(corpusId);
			if (item === undefined) {
				unmappedJudgements++;
				continue;
			}
			relevant.set(item, Math.max(grade, relevant.get(item) ?? 0));
		}
		if (relevant.size === 0) {
			withoutMapped++;
			continue;
		}
		if (queries.length >= maxQueries) {
			overLimit++;
			continue;
		}
		relevantPairs += relevant.size;
		queries.push({ id, query: text, relevant: [...relevant].map(([item, grade]) => ({ item, grade })) });
	}
	const report: BeirImportReport = {
		queriesInFile: queryTexts.size,
		qrelsInFile: qrels.length,
		queriesImported: queries.length,
		relevantPairs,
		nonRelevantJudgements: nonRelevant,
		unmappedJudgements,
		unmappedCorpusIds: unmapped.length,
		unmappedSample: unmapped.slice(0, 10),
		judgedQueriesMissingText: [...judged.keys()].filter((id) => !queryTexts.has(id)).length,
		queriesWithoutMappedRelevant: withoutMapped,
		queriesOverLimit: overLimit,
	};
	if (queries.length === 0) {
		throw new InvalidPayloadError(
			`No query could be imported: ${report.judgedQueriesMissingText > 0 ? `${report.judgedQueriesMissingText} judged query ids are not in the queries file; ` : ''}${unmapped.length} of ${corpusIds.length} relevant corpus ids match no item (e.g. ${unmapped.slice(0, 3).map((id) => `"${id}"`).join(', ')}). Check the id field.`,
			{ report },
		);
	}
	return { queries, report };
}
