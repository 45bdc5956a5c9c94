/** Strings of the file transcript interface (wired into messages.ts as `transcript`). */
export const transcriptEnUS = {
	after_save: 'The transcript appears once the file is saved.',
	summary: 'no segments | 1 segment · language {language} · model {model} | {count} segments · language {language} · model {model}',
	failed: 'Transcription failed: {message}',
	state_queued: 'Queued for transcription…',
	state_processing: 'Transcribing… {percent}%',
	none: 'This file has not been transcribed.',
	segments: 'Transcript segments; activate one to play from there',
	download_srt: 'Download SRT',
	download_vtt: 'Download VTT',
	transcribe: 'Transcribe',
	retry: 'Transcribe again',
	not_media: 'Only audio and video files have transcripts.',
};

export const transcriptDeDE: typeof transcriptEnUS = {
	after_save: 'Das Transkript erscheint, sobald die Datei gespeichert ist.',
	summary: 'keine Segmente | 1 Segment · Sprache {language} · Modell {model} | {count} Segmente · Sprache {language} · Modell {model}',
	failed: 'Transkription fehlgeschlagen: {message}',
	state_queued: 'Zur Transkription eingereiht…',
	state_processing: 'Wird transkribiert… {percent} %',
	none: 'Diese Datei wurde noch nicht transkribiert.',
	segments: 'Transkript-Segmente; eines auswählen, um ab dort abzuspielen',
	download_srt: 'SRT herunterladen',
	download_vtt: 'VTT herunterladen',
	transcribe: 'Transkribieren',
	retry: 'Erneut transkribieren',
	not_media: 'Nur Audio- und Videodateien haben Transkripte.',
};
