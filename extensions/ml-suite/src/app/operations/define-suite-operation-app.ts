import { defineOperationApp } from '@directus/extensions-sdk';
import type { OperationAppConfig } from '@directus/types';
import { localizedDefinition, tr } from '../i18n/localized-definition.js';

/** The app side of one of the suite's flow operations: its form and overview in the user's language (localized-definition.ts). */
export function defineSuiteOperationApp(config: OperationAppConfig): OperationAppConfig {
	return defineOperationApp(localizedDefinition(config));
}

type OverviewEntry = { label: string; text: string };

/** Overview lines several operations show the same way: an option's value, or the default that applies when it is empty. */
export const overviewOf = {
	/** The value as typed ('' when empty). */
	value: (label: string, value: unknown): OverviewEntry => ({ label, text: String(value ?? '') }),
	indexes: (indexes: unknown): OverviewEntry => ({ label: 'Indexes', text: indexes ? String(indexes) : tr('All') }),
	mode: (mode: unknown): OverviewEntry => ({ label: 'Mode', text: String(mode ?? 'hybrid') }),
	model: (model: unknown): OverviewEntry => ({ label: 'Model', text: model ? String(model) : tr('Default') }),
	/** Whether the operation waits for the work or queues it. */
	run: (wait: unknown): OverviewEntry => ({ label: 'Run', text: wait ? 'Now (wait)' : tr('Queued') }),
};
