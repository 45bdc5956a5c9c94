import { OUTPUTS, type EnrichmentTarget } from './enrichment-definition.js';
import type { TargetFieldInfo } from './enrichment-items.js';

/**
 * The value a target field receives from an analysis result: the requested output, shaped for
 * the field's type (lists become comma-separated text in string fields, numbers are rounded for
 * integer fields, a label that is not one of a dropdown's choices is matched case-insensitively).
 */
export function fieldValue(target: EnrichmentTarget, result: Record<string, unknown>, info: TargetFieldInfo | null): unknown {
	const output = target.output ?? OUTPUTS[target.analysis][0];
	let value = pick(target.analysis, output ?? '', result);
	const type = info?.type ?? 'string';
	if (Array.isArray(value) && (type === 'string' || type === 'text')) value = value.join(', ');
	if (typeof value === 'number' && (type === 'integer' || type === 'bigInteger')) value = Math.round(value);
	if (typeof value === 'string' && (type === 'integer' || type === 'float' || type === 'decimal') && value.trim() !== '' && Number.isFinite(Number(value))) value = Number(value);
	if (typeof value === 'number' && (type === 'string' || type === 'text')) value = String(value);
	if (typeof value === 'string' && info?.choices && info.choices.length > 0) {
		const match = info.choices.find((c) => c.value === value) ?? info.choices.find((c) => c.value.toLowerCase() === (value as string).toLowerCase() || c.text.toLowerCase() === (value as string).toLowerCase());
		value = match ? match.value : value;
	}
	return value;
}

function pick(analysis: EnrichmentTarget['analysis'], output: string, r: Record<string, unknown>): unknown {
	switch (analysis) {
		case 'sentiment':
			return output === 'score' ? r.score : output === 'confidence' ? r.confidence : r.sentiment;
		case 'summary':
			return output === 'keyPoints' ? r.keyPoints : r.summary;
		case 'keywords':
			return output === 'text' ? ((r.keywords as string[] | undefined) ?? []).join(', ') : r.keywords;
		case 'classification': {
			const labels = (r.labels as string[] | undefined) ?? [];
			if (output === 'labels') return labels;
			if (output === 'confidence') return ((r.classifications as { confidence: number }[] | undefined) ?? [])[0]?.confidence ?? null;
			return labels[0] ?? null;
		}
		case 'entities': {
			const entities = (r.entities as { text: string; type: string }[] | undefined) ?? [];
			if (output === 'people') return entities.filter((e) => e.type === 'person').map((e) => e.text);
			if (output === 'organizations') return entities.filter((e) => e.type === 'organization').map((e) => e.text);
			if (output === 'places') return entities.filter((e) => e.type === 'place').map((e) => e.text);
			return entities;
		}
		case 'language':
			return r.language;
		case 'readability':
			return output === 'grade' ? r.fleschKincaidGrade : output === 'level' ? r.level : r.fleschReadingEase;
		case 'complexity':
			return output === 'points' ? r.estimatedPoints : output === 'hours' ? r.estimatedHours : output === 'name' ? r.name : output === 'reasoning' ? r.reasoning : r.complexityScore;
	}
}

/** Empty for the no-overwrite rule: null, '', [] or {}. */
export function isEmptyValue(value: unknown): boolean {
	if (value === null || value === undefined) return true;
	if (typeof value === 'string') return value.trim() === '';
	if (Array.isArray(value)) return value.length === 0;
	if (typeof value === 'object') return Object.keys(value as object).length === 0;
	return false;
}

/** Equality across the shapes a database hands back (numbers as strings, csv as arrays, JSON text). */
export function sameValue(a: unknown, b: unknown): boolean {
	return normalise(a) === normalise(b);
}

function normalise(value: unknown): string {
	if (value === null || value === undefined) return '';
	if (Array.isArray(value)) return value.map((v) => normalise(v)).join(',');
	if (typeof value === 'number') return String(Math.round(value * 1e6) / 1e6);
	if (typeof value === 'string') {
		const s = value.trim();
		if (s !== '' && Number.isFinite(Number(s)) && /^-?[\d.]+$/.test(s)) return String(Math.round(Number(s) * 1e6) / 1e6);
		if (s.startsWith('[') || s.startsWith('{')) {
			try {
				return normalise(JSON.parse(s) as unknown);
			} catch {
				return s;
			}
		}
		return s.split(',').map((x) => x.trim()).join(',');
	}
	if (typeof value === 'object') return JSON.stringify(value);
	return String(value);
}
