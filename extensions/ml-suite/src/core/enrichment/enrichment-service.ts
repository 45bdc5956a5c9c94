import type { AnalysisCall, AnalysisService } from '../analysis/analysis-service.js';
import type { Category } from '../analysis/types.js';
import { calibrate, type Calibration } from '../complexity/calibration.js';
import type { ComplexityService, EstimateAnswer } from '../complexity/complexity-service.js';
import { estimateComplexity, type TaskDescription } from '../complexity/estimate-complexity.js';
import { InvalidPayloadError, isMlError, NotFoundError } from '../errors.js';
import { contentHash } from '../text/content-hash.js';
import { htmlToText } from '../text/html-to-text.js';
import type { EnqueuedJob, Queue } from '../jobs/types.js';
import type { CallOrigin } from '../usage/types.js';
import { readFields, targetFields, type EnrichmentDefinition, type EnrichmentTarget, type PipelineAnalysis } from './enrichment-definition.js';
import type { CallerItems, EnrichmentItems, TargetFieldInfo } from './enrichment-items.js';
import type { EnrichmentRepository } from './enrichment-repository.js';
import type { EnrichmentItemState, EnrichmentStateRepository } from './enrichment-state.js';
import { fieldValue, isEmptyValue, sameValue } from './field-value.js';

export interface EnrichmentServiceOptions {
	repository: EnrichmentRepository;
	items: EnrichmentItems;
	state: EnrichmentStateRepository;
	analysis: AnalysisService;
	complexity: ComplexityService;
	/** Queue for backfills requested through `enqueueBackfill`. */
	queue?: Pick<Queue, 'enqueue'>;
	/** How long a collection's complexity calibration is reused, in ms. Default: 60 000. */
	calibrationTtlMs?: number;
}

export interface EnrichOutcome {
	done: number;
	unchanged: number;
	skipped: number;
	failed: number;
	/** Items whose source changed while they were analysed: left pending for the newer save's run. */
	superseded: number;
	/** Fields kept because an editor had set them. */
	kept: number;
}

/** One pipeline result for one item, as the editor sees it. */
export interface ItemSuggestion {
	enrichment: string;
	pipeline: string;
	analysis: PipelineAnalysis;
	field: string;
	suggested: unknown;
	current: unknown;
	state: 'applied' | 'suggested' | 'editor';
}

export interface SuggestionDecision {
	enrichment: string;
	field: string;
	action: 'accept' | 'reject';
	/** The edited value (accept only); default: the suggestion. */
	value?: unknown;
}

/** What one item's analyses produced, by target field (before the no-overwrite rule). */
export type ComputedValues = Map<string, unknown>;

/**
 * Runs enrichment pipelines on items: reads the source fields, skips items whose source hash
 * is unchanged, runs each analysis once, and writes the results back through the item store —
 * only if the source still matches what was analysed (last writer wins), and never over a value
 * an editor set by hand unless the pipeline allows it. State per item records the hash, what
 * the suite wrote and which fields it left alone.
 */
export class EnrichmentService {
	private readonly calibrations = new Map<string, { at: number; value: Calibration }>();

	constructor(private readonly options: EnrichmentServiceOptions) {}

	get state(): EnrichmentStateRepository {
		return this.options.state;
	}

	async enrichItems(def: EnrichmentDefinition, keys: readonly string[], run: { origin: CallOrigin; signal?: AbortSignal; force?: boolean }): Promise<EnrichOutcome> {
		const outcome: EnrichOutcome = { done: 0, unchanged: 0, skipped: 0, failed: 0, superseded: 0, kept: 0 };
		const { items, state } = this.options;
		const pk = await items.primaryKey(def.collection);
		let wanted = [...new Set(keys)];
		if (def.filter) {
			const matching = await items.matching(def.collection, wanted, def.filter);
			const excluded = wanted.filter((k) => !matching.has(k));
			if (excluded.length > 0) await state.markSkipped(def.id, excluded, 'The item does not match the pipeline filter.');
			outcome.skipped += excluded.length;
			wanted = wanted.filter((k) => matching.has(k));
		}
		const fields = [pk, ...new Set([...readFields(def), ...targetFields(def)])];
		// Revisions are noted before the items are read (compare-and-set, as for indexing).
		const states = await state.get(def.id, wanted);
		const rows = await items.read(def.collection, wanted, fields);
		const gone = wanted.filter((k) => !rows.has(k));
		if (gone.length > 0) await state.remove(def.id, gone);
		const fieldInfo = await this.targetInfo(def);
		let calibration: Calibration | null | undefined;
		let retryable: unknown = null;

		// Phase 1: analyse every item whose source changed.
		const computed: { key: string; hash: string; values: ComputedValues }[] = [];
		const fail = async (key: string, error: unknown): Promise<void> => {
			if (run.signal?.aborted) throw error;
			await state.markFailed(def.id, key, error instanceof Error ? error.message : String(error));
			outcome.failed++;
			if (isMlError(error) && error.retryable) retryable = error;
		};
		for (const key of wanted) {
			run.signal?.throwIfAborted();
			const row = rows.get(key);
			if (!row) continue;
			const hash = sourceHash(def, row);
			const previous = states.get(key);
			if (!run.force && previous?.sourceHash === hash && previous.status !== 'failed') {
				if (previous.status !== 'done') await state.markDone(def.id, key, { sourceHash: hash, written: previous.written, kept: previous.kept });
				outcome.unchanged++;
				continue;
			}
			const text = sourceText(def, row);
			const hasComplexity = def.targets.some((t) => t.analysis === 'complexity');
			if (text.trim() === '' && !hasComplexity) {
				await state.markSkipped(def.id, [key], 'The source fields are empty.');
				outcome.skipped++;
				continue;
			}
			try {
				if (hasComplexity && calibration === undefined) calibration = await this.calibrationFor(def);
				const origin = { ...run.origin, collection: def.collection, item: key };
				const values = await this.compute(def, text, taskOf(def, row), fieldInfo, { origin, engine: def.engine ?? undefined, model: def.model ?? undefined, signal: run.signal }, calibration ?? null);
				computed.push({ key, hash, values });
			} catch (error) {
				await fail(key, error);
			}
		}

		// Phase 2, last writer wins: re-read the sources and write only where they are still what was analysed.
		const computedKeys = computed.map((c) => c.key);
		const latest = computed.length > 0 ? await state.get(def.id, computedKeys) : new Map<string, EnrichmentItemState>();
		const fresh = computed.length > 0 ? await items.read(def.collection, computedKeys, fields) : new Map<string, Record<string, unknown>>();
		const finished: { item: string; sourceHash: string; written: Record<string, unknown>; kept: string[]; expectedRevision: number }[] = [];
		const writes: { key: string; values: Record<string, unknown> }[] = [];
		for (const { key, hash, values } of computed) {
			const current = fresh.get(key);
			if (!current) {
				await state.remove(def.id, [key]);
				continue;
			}
			const expectedRevision = states.get(key)?.revision ?? 0;
			const now = latest.get(key);
			if (sourceHash(def, current) !== hash || (now?.revision ?? 0) !== expectedRevision) {
				outcome.superseded++;
				continue;
			}
			const written = { ...(now?.written ?? {}) };
			const kept: string[] = [];
			const payload: Record<string, unknown> = {};
			for (const [field, value] of values) {
				const onItem = current[field];
				if (sameValue(onItem, value)) {
					written[field] = value;
					continue;
				}
				// An editor who rejected a suggestion owns the field (kept, with no suite value on record), even when it is empty.
				const editorOwns = (now?.kept ?? []).includes(field) && !(field in written);
				const editedByHand = editorOwns || (!isEmptyValue(onItem) && !(field in written && sameValue(onItem, written[field])));
				if (editedByHand && !def.overwrite) {
					kept.push(field);
					continue;
				}
				payload[field] = value;
				written[field] = value;
			}
			if (Object.keys(payload).length > 0) writes.push({ key, values: payload });
			finished.push({ item: key, sourceHash: hash, written, kept, expectedRevision });
		}
		// Claim before writing: another run that noted the same revision (a save's job and a
		// backfill at once) may be about to write the same item; only the run that claims it writes.
		const claimed = await state.claimMany(
			def.id,
			def.collection,
			finished.map((f) => ({ item: f.item, expectedRevision: f.expectedRevision })),
		);
		for (let i = finished.length - 1; i >= 0; i--) {
			const f = finished[i]!;
			if (claimed.has(f.item)) {
				f.expectedRevision += 1;
				continue;
			}
			finished.splice(i, 1);
			const w = writes.findIndex((x) => x.key === f.item);
			if (w >= 0) writes.splice(w, 1);
			outcome.superseded++;
		}
		// The page's write-backs in one transaction; if it fails, item by item, so one bad item
		// fails alone (as it did when every item was written on its own).
		if (writes.length > 0) {
			let batchFailed = false;
			try {
				await items.writeMany(def.collection, writes);
			} catch (error) {
				if (run.signal?.aborted) throw error;
				batchFailed = true;
			}
			if (batchFailed) {
				const failedKeys = new Set<string>();
				for (const { key, values } of writes) {
					try {
						await items.write(def.collection, key, values);
					} catch (error) {
						failedKeys.add(key);
						await fail(key, error);
					}
				}
				if (failedKeys.size > 0) finished.splice(0, finished.length, ...finished.filter((f) => !failedKeys.has(f.item)));
			}
		}
		// Results are recorded compare-and-set, in one transaction for the page.
		const lost = new Set(await state.markDoneMany(def.id, def.collection, finished));
		for (const f of finished) {
			if (lost.has(f.item)) {
				// Saved again between the check and the write: the newer run replaces these values.
				await state.recordSupersededWrite(def.id, f.item, f.written);
				outcome.superseded++;
				continue;
			}
			outcome.done++;
			outcome.kept += f.kept.length;
		}
		// A provider outage should be retried by the queue; the items already done are unchanged on retry.
		if (retryable) throw retryable;
		return outcome;
	}

	/** Runs each analysis a pipeline needs once and maps results to target field values. */
	async compute(
		def: EnrichmentDefinition,
		text: string,
		task: TaskDescription,
		fieldInfo: Map<string, TargetFieldInfo | null>,
		call: AnalysisCall,
		calibration: Calibration | null,
	): Promise<ComputedValues> {
		const byAnalysis = new Map<PipelineAnalysis, EnrichmentTarget[]>();
		for (const target of def.targets) byAnalysis.set(target.analysis, [...(byAnalysis.get(target.analysis) ?? []), target]);
		const values: ComputedValues = new Map();
		const { analysis, complexity } = this.options;
		for (const [name, targets] of byAnalysis) {
			const options = targets[0]?.options ?? {};
			let result: object;
			switch (name) {
				case 'sentiment':
					result = await analysis.sentiment(text, { includeAspects: options.includeAspects === true }, call);
					break;
				case 'summary':
					result = await analysis.summarize(text, { maxLength: numberOption(options.maxLength), maxSentences: numberOption(options.maxSentences) }, call);
					break;
				case 'keywords':
					result = await analysis.keywords(text, { maxKeywords: numberOption(options.maxKeywords) ?? 8 }, call);
					break;
				case 'classification': {
					const target = targets.find((t) => !options.categories && fieldInfo.get(t.field)?.choices);
					const categories = categoriesOption(options.categories, options.descriptions) ?? choicesAsCategories(fieldInfo.get(target?.field ?? '')?.choices ?? null, options.descriptions);
					// `options.classifier` names a trained classifier (its active version answers); else zero-shot into the categories.
					const classifier = typeof options.classifier === 'string' && options.classifier.trim() !== '' ? options.classifier.trim() : undefined;
					result = await analysis.classify(text, categories, { multiLabel: options.multiLabel === true, threshold: numberOption(options.threshold) }, classifier ? { ...call, model: classifier } : call);
					break;
				}
				case 'entities':
					result = await analysis.entities(text, call);
					break;
				case 'language':
					result = await analysis.language(text, call);
					break;
				case 'readability':
					result = await analysis.readability(text, call);
					break;
				case 'complexity':
					result = await complexity.estimate(task, { ...call, calibration });
					break;
			}
			for (const target of targets) values.set(target.field, fieldValue(target, result as Record<string, unknown>, fieldInfo.get(target.field) ?? null));
		}
		return values;
	}

	/**
	 * A complexity estimate; with `collection`, hours are calibrated on that collection's
	 * completed items (through its pipeline with a complexity analysis, which names the
	 * actual-hours field). `canRead` guards the collection like Directus does.
	 */
	async estimateComplexity(task: TaskDescription, options: { collection?: string; canRead?: (collection: string) => Promise<boolean>; call: AnalysisCall }): Promise<EstimateAnswer> {
		let calibration: Calibration | null = null;
		if (options.collection) {
			const collection = options.collection;
			if (options.canRead && !(await options.canRead(collection))) throw new NotFoundError(`Collection "${collection}" does not exist or you cannot read it.`, { field: 'collection' });
			const def = (await this.options.repository.forCollection(collection)).find((d) => d.targets.some((t) => t.analysis === 'complexity'));
			if (!def) {
				throw new InvalidPayloadError(`No active enrichment pipeline estimates complexity on "${collection}"; calibration reads the actual hours its pipeline names.`, { field: 'collection' });
			}
			calibration = await this.calibrationFor(def);
		}
		return this.options.complexity.estimate(task, { ...options.call, calibration });
	}

	/** The collection's calibration from completed items (cached for `calibrationTtlMs`); null when the pipeline names no actual-hours field. */
	async calibrationFor(def: EnrichmentDefinition): Promise<Calibration | null> {
		const fields = def.complexityFields;
		if (!fields?.actualHours) return null;
		const cached = this.calibrations.get(def.id);
		const ttl = this.options.calibrationTtlMs ?? 60_000;
		if (cached && Date.now() - cached.at < ttl) return cached.value;
		const filter = { _and: [fields.doneFilter ?? { status: { _eq: 'done' } }, { [fields.actualHours]: { _nnull: true } }] };
		const rows = await this.options.items.query(def.collection, { filter, fields: [...readFields(def), fields.actualHours], limit: 5000 });
		const samples = rows.map((row) => ({ score: estimateComplexity(taskOf(def, row)).rawScore, actualHours: Number(row[fields.actualHours as string]) }));
		const value = calibrate(samples);
		this.calibrations.set(def.id, { at: Date.now(), value });
		return value;
	}

	/** Pipelines with their per-item counts (admin overview). */
	async overview(): Promise<{ id: string; name: string; collection: string; status: string; counts: Record<string, number> }[]> {
		const out = [];
		for (const def of await this.options.repository.all()) out.push({ id: def.id, name: def.name, collection: def.collection, status: def.status, counts: await this.options.state.counts(def.id) });
		return out;
	}

	/** One pipeline's per-item counts and its most recent failures. */
	async status(id: string): Promise<{ pipeline: EnrichmentDefinition; counts: Record<string, number>; failures: { item: string; error: string | null; attempts: number }[] }> {
		const def = await this.options.repository.byId(id);
		if (!def) throw new NotFoundError(`Enrichment pipeline "${id}" does not exist or you cannot read it.`);
		return { pipeline: def, counts: await this.options.state.counts(def.id), failures: await this.options.state.failures(def.id, 20) };
	}

	/** Enqueues a backfill of every existing item of a pipeline's collection. */
	async enqueueBackfill(id: string, options: { force?: boolean } = {}): Promise<EnqueuedJob> {
		const def = await this.options.repository.byId(id);
		if (!def) throw new NotFoundError(`Enrichment pipeline "${id}" does not exist or you cannot read it.`);
		if (def.status !== 'active') throw new InvalidPayloadError(`Enrichment pipeline "${def.name}" is disabled; activate it first.`, { field: 'status' });
		if (!this.options.queue) throw new InvalidPayloadError('No queue is configured for backfills.');
		return this.options.queue.enqueue('enrich-backfill', { enrichmentId: def.id, force: options.force }, { jobId: `enrich-backfill-${def.id}-${Date.now()}` });
	}

	/**
	 * What the active pipelines on a collection suggest for one item, field by field, computed
	 * now from the item's current text, next to the field's current value (both as the caller
	 * may read them). `state`: `applied` (the field holds the suggestion), `suggested` (it holds
	 * something else or nothing), `editor` (an editor edited or rejected it; pipelines leave it alone).
	 */
	async suggestions(collection: string, key: string, caller: CallerItems, call: AnalysisCall): Promise<ItemSuggestion[]> {
		const out: ItemSuggestion[] = [];
		for (const def of await this.options.repository.forCollection(collection)) {
			const computed = await this.suggest(def, key, caller, call);
			if (!computed) continue;
			const { row, values, state } = computed;
			for (const target of def.targets) {
				if (!(target.field in row) || out.some((s) => s.field === target.field)) continue;
				const suggested = values.get(target.field) ?? null;
				const current = row[target.field] ?? null;
				const editorOwns = (state?.kept ?? []).includes(target.field) && !(target.field in (state?.written ?? {}));
				out.push({
					enrichment: def.id,
					pipeline: def.name,
					analysis: target.analysis,
					field: target.field,
					suggested,
					current,
					state: sameValue(current, suggested) && !isEmptyValue(suggested) ? 'applied' : editorOwns ? 'editor' : 'suggested',
				});
			}
		}
		return out;
	}

	/**
	 * An editor's decision on one suggestion, written as the editor (their permissions apply):
	 * `accept` writes the suggestion, or `value` when they edited it; `reject` clears the field
	 * when it holds the suite's value. Accepted as suggested, later runs keep the field up to date;
	 * edited or rejected, the field is the editor's and pipelines leave it alone.
	 */
	async decide(collection: string, key: string, decision: SuggestionDecision, caller: CallerItems, call: AnalysisCall): Promise<ItemSuggestion> {
		const def = await this.options.repository.byId(decision.enrichment);
		if (!def || def.collection !== collection || def.status !== 'active') {
			throw new NotFoundError(`No active enrichment pipeline "${decision.enrichment}" on "${collection}".`, { field: 'enrichment' });
		}
		const target = def.targets.find((t) => t.field === decision.field);
		if (!target) throw new InvalidPayloadError(`Pipeline "${def.name}" does not write the field "${decision.field}".`, { field: 'field' });
		const computed = await this.suggest(def, key, caller, call);
		if (!computed) throw new NotFoundError(`Item "${key}" of "${collection}" does not exist or you cannot read it.`);
		if (!(decision.field in computed.row)) throw new NotFoundError(`You cannot read the field "${decision.field}" of "${collection}".`, { field: 'field' });
		const suggested = computed.values.get(decision.field) ?? null;
		const current = computed.row[decision.field] ?? null;
		const suiteValue = computed.state?.written[decision.field];
		let value: unknown = current;
		let owner: { by: 'suite'; value: unknown } | { by: 'editor' };
		if (decision.action === 'accept') {
			const edited = decision.value !== undefined && !sameValue(decision.value, suggested);
			value = decision.value !== undefined ? decision.value : suggested;
			if (isEmptyValue(value) && !edited) throw new InvalidPayloadError(`There is no suggestion for "${decision.field}" to accept.`, { field: 'field' });
			owner = edited ? { by: 'editor' } : { by: 'suite', value };
			if (!sameValue(current, value)) await caller.update(collection, key, { [decision.field]: value });
		} else {
			owner = { by: 'editor' };
			const holdsSuggestion = !isEmptyValue(current) && (sameValue(current, suggested) || (suiteValue !== undefined && sameValue(current, suiteValue)));
			if (holdsSuggestion) {
				value = null;
				await caller.update(collection, key, { [decision.field]: null });
			} else {
				// Nothing of the suite's to remove: the caller must still be allowed to edit the field to own it.
				await caller.update(collection, key, { [decision.field]: current });
			}
		}
		await this.options.state.setOwner(def.id, collection, key, decision.field, owner);
		return {
			enrichment: def.id,
			pipeline: def.name,
			analysis: target.analysis,
			field: decision.field,
			suggested,
			current: value,
			state: owner.by === 'editor' ? 'editor' : 'applied',
		};
	}

	/** One pipeline's values for an item read as the caller; null when it does not exist for them. */
	private async suggest(def: EnrichmentDefinition, key: string, caller: CallerItems, call: AnalysisCall): Promise<{ row: Record<string, unknown>; values: ComputedValues; state: EnrichmentItemState | undefined } | null> {
		const fields = [...new Set([...readFields(def), ...targetFields(def)])];
		const row = await caller.read(def.collection, key, fields);
		if (!row) return null;
		const text = sourceText(def, row);
		const hasComplexity = def.targets.some((t) => t.analysis === 'complexity');
		const state = (await this.options.state.get(def.id, [key])).get(key);
		if (text.trim() === '' && !hasComplexity) return { row, values: new Map(), state };
		const calibration = hasComplexity ? await this.calibrationFor(def) : null;
		const values = await this.compute(def, text, taskOf(def, row), await this.targetInfo(def), { ...call, origin: { ...call.origin, collection: def.collection, item: key }, engine: def.engine ?? undefined, model: def.model ?? undefined }, calibration);
		return { row, values, state };
	}

	/** Forgets cached calibrations (after completed tasks change). */
	invalidateCalibration(): void {
		this.calibrations.clear();
	}

	private async targetInfo(def: EnrichmentDefinition): Promise<Map<string, TargetFieldInfo | null>> {
		const out = new Map<string, TargetFieldInfo | null>();
		for (const field of targetFields(def)) out.set(field, await this.options.items.fieldInfo(def.collection, field));
		return out;
	}
}

/** The analysed text: source fields joined by blank lines, HTML converted to text. */
export function sourceText(def: EnrichmentDefinition, row: Record<string, unknown>): string {
	return def.sourceFields
		.map((field) => valueText(row[field]))
		.filter((s) => s.trim() !== '')
		.join('\n\n');
}

/** Hash of everything the pipeline reads, so any source change (and only that) triggers a run. */
export function sourceHash(def: EnrichmentDefinition, row: Record<string, unknown>): string {
	const values = readFields(def).map((field) => [field, row[field] ?? null]);
	const settings = { targets: def.targets, engine: def.engine, model: def.model };
	return contentHash(JSON.stringify({ values, settings }));
}

function valueText(value: unknown): string {
	if (value === null || value === undefined) return '';
	if (typeof value === 'string') return /<[a-z][\s\S]*>/i.test(value) ? htmlToText(value) : value;
	if (Array.isArray(value)) return value.map(valueText).join(', ');
	if (typeof value === 'object') return JSON.stringify(value);
	return String(value);
}

function taskOf(def: EnrichmentDefinition, row: Record<string, unknown>): TaskDescription {
	const f = def.complexityFields ?? {};
	const title = f.title ? valueText(row[f.title]) : sourceText(def, row).split('\n')[0] ?? '';
	const labels = f.labels ? row[f.labels] : null;
	return {
		title: title || '(untitled)',
		description: f.description ? valueText(row[f.description]) : sourceText(def, row),
		issueType: f.issueType ? valueText(row[f.issueType]) || null : null,
		labels: Array.isArray(labels) ? labels.map(String) : typeof labels === 'string' && labels.trim() !== '' ? labels.split(',').map((s) => s.trim()) : null,
	};
}

function numberOption(value: unknown): number | undefined {
	const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
	return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
}

function categoriesOption(value: unknown, descriptions: unknown): Category[] | null {
	if (!Array.isArray(value) || value.length === 0) return null;
	const extra = descriptionsOf(descriptions);
	return value.map((c) => (typeof c === 'string' ? { name: c, description: extra[c] } : { name: String((c as Category).name), description: (c as Category).description ?? extra[String((c as Category).name)] }));
}

function choicesAsCategories(choices: { text: string; value: string }[] | null, descriptions: unknown): Category[] {
	const extra = descriptionsOf(descriptions);
	return (choices ?? []).map((c) => ({ name: c.value, description: extra[c.value] ?? (c.text && c.text !== c.value ? c.text : undefined) }));
}

function descriptionsOf(value: unknown): Record<string, string> {
	return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, string>) : {};
}
