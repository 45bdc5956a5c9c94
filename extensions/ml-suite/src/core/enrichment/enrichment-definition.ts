import { z } from 'zod';
import { ANALYSES } from '../analysis/types.js';

/** Analyses a pipeline can run: the text analyses plus task complexity. */
export const PIPELINE_ANALYSES = [...ANALYSES, 'complexity'] as const;
export type PipelineAnalysis = (typeof PIPELINE_ANALYSES)[number];

/** Which part of an analysis result a target field receives. */
export const OUTPUTS: Record<PipelineAnalysis, readonly string[]> = {
	sentiment: ['label', 'score', 'confidence'],
	summary: ['summary', 'keyPoints'],
	keywords: ['list', 'text'],
	classification: ['label', 'labels', 'confidence'],
	entities: ['list', 'people', 'organizations', 'places'],
	language: ['code'],
	readability: ['fleschReadingEase', 'grade', 'level'],
	complexity: ['level', 'points', 'hours', 'name', 'reasoning'],
};

const fieldName = z.string().trim().min(1).max(64).regex(/^[A-Za-z0-9_]+$/, 'must be a field name');

/** One result written to one field. */
export const EnrichmentTarget = z
	.object({
		analysis: z.enum(PIPELINE_ANALYSES),
		/** Field that receives the value. */
		field: fieldName,
		/** Part of the result (see OUTPUTS); default: the first one listed for the analysis. */
		output: z.string().optional(),
		/** Analysis options: maxLength, maxKeywords, categories ([{name, description}] or names; default: the target field's dropdown choices), multiLabel, threshold, includeAspects, classifier (a trained classifier model: its active version answers instead of zero-shot). */
		options: z.record(z.string(), z.unknown()).optional(),
	})
	.refine((t) => t.output === undefined || OUTPUTS[t.analysis].includes(t.output), { message: 'output is not one this analysis produces', path: ['output'] });
export type EnrichmentTarget = z.infer<typeof EnrichmentTarget>;

/** Complexity reads task fields rather than one text. */
export const ComplexityFields = z.object({
	title: fieldName.optional(),
	description: fieldName.optional(),
	issueType: fieldName.optional(),
	labels: fieldName.optional(),
	/** Hours a completed task took; completed tasks with it calibrate the estimates. */
	actualHours: fieldName.optional(),
	/** Directus filter selecting completed tasks (default `{status: {_eq: "done"}}`). */
	doneFilter: z.record(z.string(), z.unknown()).optional(),
});
export type ComplexityFields = z.infer<typeof ComplexityFields>;

/** An `ml_enrichments` row, parsed. */
export interface EnrichmentDefinition {
	id: string;
	name: string;
	status: 'active' | 'disabled';
	collection: string;
	/** Directus filter: only matching items are enriched. */
	filter: Record<string, unknown> | null;
	/** Fields whose text is analysed (joined with blank lines; HTML is converted to text). */
	sourceFields: string[];
	targets: EnrichmentTarget[];
	/** Overwrite values an editor set by hand. Default false: only empty fields and the suite's own earlier values are written. */
	overwrite: boolean;
	engine: 'local' | 'llm' | null;
	model: string | null;
	complexityFields: ComplexityFields | null;
}

const list = z.preprocess((v) => {
	if (typeof v === 'string') {
		const s = v.trim();
		if (s.startsWith('[')) {
			try {
				return JSON.parse(s) as unknown;
			} catch {
				return v;
			}
		}
		return s === '' ? [] : s.split(',').map((x) => x.trim()).filter(Boolean);
	}
	return v ?? [];
}, z.array(z.unknown()));

const jsonValue = <T extends z.ZodType>(schema: T) =>
	z.preprocess((v) => {
		if (typeof v === 'string') {
			if (v.trim() === '') return null;
			try {
				return JSON.parse(v) as unknown;
			} catch {
				return v;
			}
		}
		return v ?? null;
	}, schema.nullable());

export const EnrichmentRow = z.object({
	id: z.union([z.string(), z.number()]).transform(String),
	name: z.string().min(1),
	status: z.enum(['active', 'disabled']).default('active'),
	collection: z.string().min(1),
	filter: jsonValue(z.record(z.string(), z.unknown())),
	source_fields: list.pipe(z.array(fieldName)),
	targets: jsonValue(z.array(EnrichmentTarget)).transform((v) => v ?? []),
	overwrite: z.preprocess((v) => v === true || v === 1 || v === '1' || v === 'true', z.boolean()),
	engine: z.preprocess((v) => (v === '' || v === undefined ? null : v), z.enum(['local', 'llm']).nullable()),
	model: z.preprocess((v) => (v === '' || v === undefined ? null : v), z.string().nullable()),
	complexity_fields: jsonValue(ComplexityFields),
});

export function toEnrichmentDefinition(row: unknown): EnrichmentDefinition {
	const r = EnrichmentRow.parse(row);
	return {
		id: r.id,
		name: r.name,
		status: r.status,
		collection: r.collection,
		filter: r.filter,
		sourceFields: r.source_fields,
		targets: r.targets,
		overwrite: r.overwrite,
		engine: r.engine,
		model: r.model,
		complexityFields: r.complexity_fields,
	};
}

/** Fields the pipeline reads: the text sources and the complexity task fields. */
export function readFields(def: EnrichmentDefinition): string[] {
	const c = def.complexityFields;
	const task = c ? [c.title, c.description, c.issueType, c.labels].filter((f): f is string => typeof f === 'string') : [];
	return [...new Set([...def.sourceFields, ...task])];
}

/** Fields the pipeline writes. */
export function targetFields(def: EnrichmentDefinition): string[] {
	return [...new Set(def.targets.map((t) => t.field))];
}
