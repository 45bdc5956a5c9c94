import demoSet from '../../../../../snapshots/demo-eval-set.json' with { type: 'json' };
import { BeirImportRequest } from '../../core/evaluation/beir-set-import.js';
import type { Container } from '../container.js';

/**
 * The demo evaluation set over the demo articles, imported through the same BEIR import admins
 * use (corpus ids are the articles' slugs). It is labelled as a demo: it only gives the
 * evaluation view something to run on a fresh install.
 */
export async function seedDemoEvalSet(container: Container, indexName: string): Promise<boolean> {
	if (await container.evaluation.repository.findSet(demoSet.name)) return false;
	const request = BeirImportRequest.parse({
		name: demoSet.name,
		description: demoSet.description,
		index: indexName,
		idField: demoSet.idField,
		queries: demoSet.queries.map((q) => JSON.stringify(q)).join('\n'),
		qrels: ['query-id\tcorpus-id\tscore', ...demoSet.qrels.map((row) => row.join('\t'))].join('\n'),
	});
	await container.evaluation.importBeir(request, { user: null }, { source: 'demo' });
	return true;
}
