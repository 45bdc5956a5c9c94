import { z } from 'zod';
import { InvalidPayloadError, MlError } from '../errors.js';
import type { IndexDefinition } from '../indexing/index-definition.js';
import { buildEvalQueriesFromBeir, parseBeirQueries, parseQrels, type BeirImportReport } from './beir-import.js';
import type { EvalSetRecord } from './eval-records.js';
import { MAX_EVAL_QUERIES, type EvalQuery } from './eval-set.js';

const fileId = z.uuid('must be the id of a file in Directus Files');

/**
 * A BEIR import: the files' contents inline (`queries`, `qrels`), or the ids of files uploaded
 * to Directus Files (`queriesFile`, `qrelsFile`) when they are larger than a request body may be.
 */
export const BeirImportRequest = z
	.object({
		name: z.string().trim().min(1, 'must not be empty').max(255, 'must be at most 255 characters'),
		/** Index the set is run against; its collection holds the judged items. */
		index: z.string().trim().min(1, 'must name an index').max(64),
		queries: z.string().min(1, 'must hold the content of queries.jsonl').optional(),
		queriesFile: fileId.optional(),
		qrels: z.string().min(1, 'must hold the content of the qrels file').optional(),
		qrelsFile: fileId.optional(),
		/** Item field holding the corpus ids (BEIR `_id`); default: the primary key. */
		idField: z.string().trim().min(1).max(64).optional(),
		description: z.string().max(4000, 'must be at most 4000 characters').optional(),
		/** Import at most this many queries (in file order). */
		maxQueries: z.number().int().min(1).max(MAX_EVAL_QUERIES).optional(),
		/** Replace a set with the same name (its runs are kept). Default: false. */
		replace: z.boolean().default(false),
	})
	.refine((v) => (v.queries === undefined) !== (v.queriesFile === undefined), { message: 'give either "queries" (the file content) or "queriesFile" (a file id), not both', path: ['queries'] })
	.refine((v) => (v.qrels === undefined) !== (v.qrelsFile === undefined), { message: 'give either "qrels" (the file content) or "qrelsFile" (a file id), not both', path: ['qrels'] });
export type BeirImportRequest = z.infer<typeof BeirImportRequest>;

/** A set as written to `ml_eval_sets`. */
export interface NewEvalSet {
	name: string;
	description: string | null;
	indexId: string;
	collection: string;
	idField: string | null;
	source: EvalSetRecord['source'];
	queries: EvalQuery[];
	importReport: Record<string, unknown> | null;
}

export interface BeirSetImportDeps {
	findSet(name: string): Promise<EvalSetRecord | null>;
	indexByName(name: string): Promise<IndexDefinition>;
	/** Maps values of `field` to item primary keys (absent when no item has the value); throws naming an unknown field. */
	resolveItemKeys(collection: string, field: string | null, values: string[]): Promise<Map<string, string>>;
	/** The text of a file in Directus Files (bounded in size). */
	readFile(id: string): Promise<string>;
	/** Creates the set, or replaces the one with id `replaceId`; returns its id. */
	saveSet(set: NewEvalSet, replaceId: string | null): Promise<string>;
}

/** Imports a BEIR-format set; returns the saved set's id and what was matched or left out. */
export async function importBeirSet(request: BeirImportRequest, deps: BeirSetImportDeps): Promise<{ id: string; queries: number; report: BeirImportReport }> {
	const existing = await deps.findSet(request.name);
	if (existing && !request.replace) {
		throw new MlError(`An evaluation set named "${request.name}" exists already; send "replace": true to replace its queries (its runs are kept).`, { code: 'CONFLICT', status: 409, details: { field: 'name' } });
	}
	const index = await deps.indexByName(request.index);
	const queriesText = request.queries ?? (await deps.readFile(request.queriesFile as string));
	const qrelsText = request.qrels ?? (await deps.readFile(request.qrelsFile as string));
	const texts = parseBeirQueries(queriesText);
	const qrels = parseQrels(qrelsText);
	const { queries, report } = await buildEvalQueriesFromBeir(texts, qrels, (ids) => deps.resolveItemKeys(index.collection, request.idField ?? null, ids), { maxQueries: request.maxQueries });
	if (queries.length === 0) throw new InvalidPayloadError('No query could be imported.', { report });
	const id = await deps.saveSet(
		{
			name: request.name,
			description: request.description ?? null,
			indexId: index.id,
			collection: index.collection,
			idField: request.idField ?? null,
			source: 'beir',
			queries,
			importReport: { ...report, importedAt: new Date().toISOString() },
		},
		existing?.id ?? null,
	);
	return { id, queries: queries.length, report };
}
