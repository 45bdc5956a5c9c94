import { defineOperationApi } from '@directus/extensions-sdk';
import type { OperationApiConfig, OperationContext } from '@directus/types';
import type { AnalysisCall } from '../../core/analysis/analysis-service.js';
import type { CallOrigin } from '../../core/usage/types.js';
import { usageSource } from '../../core/usage/usage-source.js';
import { getContainer, type Container } from '../container.js';
import { operationCall } from './analysis-operation-options.js';
import { usageScopedHandler } from './usage-scoped-handler.js';

/** What an operation's run gets besides its options. */
export interface SuiteOperationRun {
	container: Container;
	context: OperationContext;
	/** The usage origin of its provider calls: the flow's user, `flow:<id>`. */
	origin: CallOrigin;
	/** The same origin for an analysis call, with the options' engine and model. */
	analysisCall(options: { engine?: 'local' | 'llm'; model?: string }): AnalysisCall;
}

/**
 * The api side of one of the suite's flow operations: the handler runs in the operation's usage
 * scope (usage-scoped-handler.ts) with the container and the operation's usage origin.
 */
export function defineSuiteOperation(id: string, run: (options: Record<string, unknown>, tools: SuiteOperationRun) => Promise<unknown>): OperationApiConfig<Record<string, unknown>> {
	return defineOperationApi<Record<string, unknown>>({
		id,
		handler: usageScopedHandler(id, async (options, context) => {
			const container = await getContainer(context);
			const origin = { user: context.accountability?.user ?? null, ...usageSource.flow(id) };
			return run(options, { container, context, origin, analysisCall: (o) => operationCall(id, o, context) });
		}),
	});
}
