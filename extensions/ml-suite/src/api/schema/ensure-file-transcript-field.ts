import type { HostContext } from '../container-types.js';
import { systemAdmin } from './ensure-schema.js';
import { fieldToCreate, presentation } from './field-builders.js';

/** The transcript panel in a file's detail view: a presentation field of directus_files, shown for audio and video only. */
export const FILE_TRANSCRIPT_FIELD = presentation('ml_transcript', 'ml-file-transcript', {
	translations: [
		{ language: 'en-US', translation: 'Transcript' },
		{ language: 'de-DE', translation: 'Transkript' },
	],
	conditions: [{ name: 'Only audio and video', rule: { _and: [{ type: { _nstarts_with: 'audio/' } }, { type: { _nstarts_with: 'video/' } }] }, hidden: true }],
});

/** Adds the field when missing (additive: an admin may move or hide it). Returns whether it was created. */
export async function ensureFileTranscriptField(host: HostContext): Promise<boolean> {
	const { FieldsService } = host.services;
	const fields = new FieldsService({ accountability: systemAdmin(), schema: await host.getSchema({ bypassCache: true }), knex: host.database });
	const present = ((await fields.readAll('directus_files')) as { field: string }[]).some((f) => f.field === FILE_TRANSCRIPT_FIELD.field);
	if (present) return false;
	await fields.createField('directus_files', fieldToCreate(FILE_TRANSCRIPT_FIELD));
	return true;
}
