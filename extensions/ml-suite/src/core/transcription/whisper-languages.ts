/**
 * The languages Whisper-family models transcribe (ISO-639-1 code → English name, as the
 * `verbose_json` `language` field spells it). `/ml/transcription/languages` lists these; a
 * provider answering with a name is mapped back to the code.
 */
export const WHISPER_LANGUAGES: Readonly<Record<string, string>> = {
	af: 'afrikaans', am: 'amharic', ar: 'arabic', as: 'assamese', az: 'azerbaijani', ba: 'bashkir', be: 'belarusian', bg: 'bulgarian',
	bn: 'bengali', bo: 'tibetan', br: 'breton', bs: 'bosnian', ca: 'catalan', cs: 'czech', cy: 'welsh', da: 'danish', de: 'german',
	el: 'greek', en: 'english', es: 'spanish', et: 'estonian', eu: 'basque', fa: 'persian', fi: 'finnish', fo: 'faroese', fr: 'french',
	gl: 'galician', gu: 'gujarati', ha: 'hausa', haw: 'hawaiian', he: 'hebrew', hi: 'hindi', hr: 'croatian', ht: 'haitian creole',
	hu: 'hungarian', hy: 'armenian', id: 'indonesian', is: 'icelandic', it: 'italian', ja: 'japanese', jw: 'javanese', ka: 'georgian',
	kk: 'kazakh', km: 'khmer', kn: 'kannada', ko: 'korean', la: 'latin', lb: 'luxembourgish', ln: 'lingala', lo: 'lao', lt: 'lithuanian',
	lv: 'latvian', mg: 'malagasy', mi: 'maori', mk: 'macedonian', ml: 'malayalam', mn: 'mongolian', mr: 'marathi', ms: 'malay',
	mt: 'maltese', my: 'myanmar', ne: 'nepali', nl: 'dutch', nn: 'nynorsk', no: 'norwegian', oc: 'occitan', pa: 'punjabi', pl: 'polish',
	ps: 'pashto', pt: 'portuguese', ro: 'romanian', ru: 'russian', sa: 'sanskrit', sd: 'sindhi', si: 'sinhala', sk: 'slovak',
	sl: 'slovenian', sn: 'shona', so: 'somali', sq: 'albanian', sr: 'serbian', su: 'sundanese', sv: 'swedish', sw: 'swahili', ta: 'tamil',
	te: 'telugu', tg: 'tajik', th: 'thai', tk: 'turkmen', tl: 'tagalog', tr: 'turkish', tt: 'tatar', uk: 'ukrainian', ur: 'urdu',
	uz: 'uzbek', vi: 'vietnamese', yi: 'yiddish', yo: 'yoruba', yue: 'cantonese', zh: 'chinese',
};

const BY_NAME = new Map(Object.entries(WHISPER_LANGUAGES).map(([code, name]) => [name, code]));

/** A provider's language (a code or an English name, any case) as an ISO-639-1 code; null when empty or unknown. */
export function toLanguageCode(value: string | null | undefined): string | null {
	const v = value?.trim().toLowerCase();
	if (!v) return null;
	if (WHISPER_LANGUAGES[v]) return v;
	return BY_NAME.get(v) ?? null;
}
