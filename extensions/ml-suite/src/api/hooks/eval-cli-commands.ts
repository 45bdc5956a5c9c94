import { readFile } from 'node:fs/promises';
import { BeirImportRequest } from '../../core/evaluation/beir-set-import.js';
import type { EvalRunRecord } from '../../core/evaluation/eval-records.js';
import { EvalRunRequest } from '../../core/evaluation/evaluation-service.js';
import type { Container } from '../container.js';
import { parseInput } from '../http.js';
import { command } from './cli-action.js';
import type { CommandLike } from './cli-commands.js';

type Options = Record<string, string | boolean | undefined>;

function formatRun(run: EvalRunRecord): string {
	const m = run.metrics;
	const t = run.timings;
	if (!m || !t) return `[ml] run ${run.id}: ${run.status}${run.error ? ` (${run.error})` : ''}\n`;
	return [
		`nDCG@10      ${m.ndcg10.toFixed(4)}`,
		`Recall@${String(run.k).padEnd(5)} ${m.recall.toFixed(4)}`,
		`MRR@${String(run.k).padEnd(8)} ${m.mrr.toFixed(4)}`,
		`queries      ${m.queries} (${m.queriesWithHit} with a relevant item in the top ${run.k})`,
		`search       p50 ${t.searchP50Ms.toFixed(1)} ms, p95 ${t.searchP95Ms.toFixed(1)} ms${t.buildMs > 0 ? `; vectors built in ${(t.buildMs / 1000).toFixed(1)} s` : ''}`,
		`run          ${run.id} (compare it in ML Evaluation)`,
		'',
	].join('\n');
}

/**
 * `directus ml:evaluate`, `ml:eval-import` and `ml:eval-runs` (`npm run ml -- ml:evaluate …`):
 * the same evaluation as the admin view, run in the CLI process and stored in the run history.
 */
export function registerEvalCommands(program: CommandLike, getContainer: () => Promise<Container>): void {
	program
		.command('ml:evaluate')
		.description('ML suite: run an evaluation set through search now and store the run (nDCG@10, Recall@k, MRR@k)')
		.argument('<set>', 'evaluation set name or id (ml_eval_sets)')
		.option('--index <name>', "index to search (default: the set's index)")
		.option('--model <id>', "ml_models id of an embedding model to evaluate (default: the index's model)")
		.option('--mode <mode>', 'semantic, keyword or hybrid (default: hybrid)')
		.option('--limit <k>', 'results per query, 10-100 (default: 100)')
		.option('--reranker <name>', 'reranker to apply (default: none)')
		.option('--json', 'print the stored run as JSON')
		.action(
			command(getContainer, async (container, set, rawOptions) => {
				const options = (rawOptions ?? {}) as Options;
				const request = parseInput(
					EvalRunRequest,
					{
						set,
						index: options.index,
						model: options.model,
						mode: options.mode,
						limit: options.limit === undefined ? undefined : Number(options.limit),
						reranker: options.reranker,
					},
					'options',
				);
				const run = await container.evaluation.createRun(request, { user: null, source: 'cli' }, { enqueue: false });
				const stop = (): void => {
					void container.evaluation.cancel(run.id).catch(() => undefined);
				};
				process.once('SIGINT', stop);
				process.once('SIGTERM', stop);
				process.stdout.write(`[ml] ${run.setName} × ${run.indexName} · ${run.mode}${run.reranker ? ` + ${run.reranker}` : ''} · ${run.modelLabel} · k = ${run.k}: ${run.queryCount} queries\n`);
				const result = await container.evaluation.execute(run.id, {
					jobId: null,
					progress: async (percent) => {
						process.stdout.write(`\r[ml] ${percent}%`);
					},
				});
				process.stdout.write('\r');
				if ('skipped' in result) throw new Error(`The run stopped: ${result.skipped}.`);
				process.stdout.write(options.json ? `${JSON.stringify({ ...result, perQuery: undefined }, null, 2)}\n` : formatRun(result));
			}),
		);

	program
		.command('ml:eval-import')
		.description('ML suite: import a BEIR-format evaluation set (queries.jsonl + qrels TSV) into ml_eval_sets')
		.argument('<name>', 'name of the new set')
		.option('--index <name>', 'index the set is run against; its collection holds the judged items')
		.option('--queries <path>', 'path of queries.jsonl')
		.option('--qrels <path>', 'path of the qrels file (BEIR TSV or TREC)')
		.option('--id-field <field>', 'item field holding the corpus ids (default: the primary key)')
		.option('--max-queries <n>', 'import at most this many queries')
		.option('--description <text>', 'description of the set')
		.option('--replace', 'replace the queries of an existing set with this name')
		.action(
			command(getContainer, async (container, name, rawOptions) => {
				const options = (rawOptions ?? {}) as Options;
				if (typeof options.queries !== 'string' || typeof options.qrels !== 'string') throw new Error('Give --queries <path> and --qrels <path>.');
				const request = parseInput(
					BeirImportRequest,
					{
						name,
						index: options.index,
						queries: await readFile(options.queries, 'utf8'),
						qrels: await readFile(options.qrels, 'utf8'),
						idField: options.idField,
						maxQueries: options.maxQueries === undefined ? undefined : Number(options.maxQueries),
						description: options.description,
						replace: options.replace === true,
					},
					'options',
				);
				const { set, report } = await container.evaluation.importBeir(request, { user: null });
				process.stdout.write(
					`[ml] imported "${set.name}": ${report.queriesImported} queries, ${report.relevantPairs} relevant pairs` +
						`${report.unmappedCorpusIds > 0 ? `; ${report.unmappedCorpusIds} corpus ids matched no item (e.g. ${report.unmappedSample.slice(0, 3).join(', ')})` : ''}` +
						`${report.queriesWithoutMappedRelevant > 0 ? `; ${report.queriesWithoutMappedRelevant} queries left out (no relevant item found)` : ''}\n`,
				);
			}),
		);

	program
		.command('ml:eval-runs')
		.description('ML suite: list recent evaluation runs')
		.argument('[set]', 'only runs of this set (name or id)')
		.option('--limit <n>', 'how many (default: 20)')
		.action(
			command(getContainer, async (container, set, rawOptions) => {
				const options = (rawOptions ?? {}) as Options;
				const setId = typeof set === 'string' ? (await container.evaluation.set(set)).id : undefined;
				const runs = await container.evaluation.repository.listRuns({ setId, limit: Number(options.limit ?? 20) || 20 });
				const rows = runs.map((run) =>
					[
						run.dateCreated.slice(0, 19).replace('T', ' '),
						run.status.padEnd(9),
						`${run.setName} × ${run.indexName}`.padEnd(28),
						`${run.mode}${run.reranker ? `+${run.reranker}` : ''}`.padEnd(10),
						run.metrics ? `nDCG@10 ${run.metrics.ndcg10.toFixed(4)}  R@${run.k} ${run.metrics.recall.toFixed(4)}  MRR ${run.metrics.mrr.toFixed(4)}` : ''.padEnd(44),
						run.modelLabel,
						run.id,
					].join('  '),
				);
				process.stdout.write(rows.length > 0 ? `${rows.join('\n')}\n` : '[ml] no evaluation runs yet\n');
			}),
		);
}
