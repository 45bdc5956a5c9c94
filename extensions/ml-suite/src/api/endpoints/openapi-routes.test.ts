import SwaggerParser from '@apidevtools/swagger-parser';
import express from 'express';
import { beforeAll, describe, expect, it } from 'vitest';
import endpoint from './index.js';
import { registeredRoutes } from '../http.js';
import { buildOpenApi } from './openapi-routes.js';

type Doc = { openapi: string; paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: Record<string, unknown> }> }; responses: Record<string, { content?: Record<string, { schema: Record<string, unknown> }> }> }>> };

describe('GET /ml/openapi.json', () => {
	let doc: Doc;

	beforeAll(() => {
		// Registering needs no Directus: the container is only built on the first request.
		const register = (endpoint as unknown as { handler: (router: express.Router, context: unknown) => void }).handler;
		const router = express.Router();
		register(router, {});
		doc = buildOpenApi(registeredRoutes(router)) as unknown as Doc;
	});

	it('is a valid OpenAPI 3.0 document (schemas in the 3.0 dialect, not JSON Schema 2020-12)', async () => {
		expect(doc.openapi).toBe('3.0.3');
		await expect(SwaggerParser.validate(structuredClone(doc) as never)).resolves.toBeTruthy();
		const text = JSON.stringify(doc);
		expect(text).not.toContain('"$schema"');
		expect(text).not.toContain('"const"');
		expect(text).not.toContain('"type":"null"');
	});

	it('describes request bodies and the responses content apps read', () => {
		const search = doc.paths['/ml/search']?.post;
		expect(search?.requestBody?.content['application/json']?.schema).toMatchObject({ type: 'object', required: ['query'] });
		const hit = search?.responses['200']?.content?.['application/json']?.schema as { properties: { data: { items: { properties: Record<string, { nullable?: boolean }> } } } };
		expect(Object.keys(hit.properties.data.items.properties)).toEqual(expect.arrayContaining(['item', 'collection', 'score', 'snippet', 'link']));
		expect(hit.properties.data.items.properties.field?.nullable).toBe(true);
		for (const path of ['/ml/ask', '/ml/embeddings/generate', '/ml/embeddings/batch', '/ml/embeddings/similarity', '/ml/analysis/sentiment', '/ml/indexes']) {
			const op = Object.values(doc.paths[path] ?? {})[0];
			expect(op?.responses['200']?.content?.['application/json']?.schema, path).toBeTruthy();
		}
	});

	it('lists every registered route once, with path parameters in OpenAPI form', () => {
		expect(doc.paths['/ml/related/{index}/{item}']?.get).toBeTruthy();
		expect(Object.keys(doc.paths).some((p) => p.includes(':'))).toBe(false);
	});
});
