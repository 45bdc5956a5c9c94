import type { JobPriority } from './types.js';

/**
 * Numeric priorities as BullMQ orders them (lower runs first). Every job gets one, because
 * BullMQ runs jobs without a priority before all prioritised ones.
 */
export const PRIORITY_VALUES: Record<JobPriority, number> = { high: 1, normal: 5, low: 10 };

export function priorityValue(priority: JobPriority | undefined): number {
	return PRIORITY_VALUES[priority ?? 'normal'];
}
