/**
 * Types of the `/ml/models` routes, shared by the routes and the Vue ML Models module.
 * Type-only: importing this file adds no runtime code.
 */
import type { ClassificationMetrics } from '../core/classifiers/classification-metrics.js';
import type { ModelTestRecord } from '../core/classifiers/classifier-versions.js';
import type { ClassifierVersion, FeatureKind, TrainingSpec } from '../core/classifiers/types.js';
import type { ModelDefinition } from '../core/providers/types.js';

export type { ClassificationMetrics, ClassifierVersion, FeatureKind, ModelDefinition, ModelTestRecord, TrainingSpec };

export type ModelHealth = 'healthy' | 'failing' | 'untested';

/** One row of `GET /ml/models`. */
export interface ModelListEntry extends ModelDefinition {
	health: ModelHealth;
	lastTest: ModelTestRecord | null;
	usage24h: { calls: number; errors: number };
	versions: { versions: number; active: number | null };
	/** Active indexes that embed with this model (explicitly, or through the default). */
	indexes: number;
}

export interface ModelTestResponse {
	model: string;
	ok: boolean;
	latencyMs: number;
	dimensions?: number;
	sample?: string;
	error?: { message: string; code: string };
	testedAt: string;
}

export interface ModelHistoryEntry {
	action: string;
	timestamp: string;
	user: string | null;
	delta: Record<string, unknown> | null;
}

export interface IndexUsingModel {
	id: string;
	name: string;
	collection: string;
	usesDefault: boolean;
}

/** `GET /ml/models/:id`. */
export interface ModelDetail {
	model: ModelDefinition;
	versions: ClassifierVersion[];
	recentUsage: Record<string, unknown>[];
	recentErrors: Record<string, unknown>[];
	tests: ModelTestRecord[];
	history: ModelHistoryEntry[];
	usage24h: { calls: number; errors: number } | undefined;
	indexes: IndexUsingModel[];
	/** Embedding models that are not the default: the indexes that would be re-embedded if this became the default. */
	defaultFollowers: IndexUsingModel[];
}
