/** ISO 639-3 → 639-1 for the languages franc-min detects that have a two-letter code. */
const TWO_LETTER: Record<string, string> = {
	eng: 'en', cmn: 'zh', spa: 'es', arb: 'ar', ben: 'bn', hin: 'hi', rus: 'ru', por: 'pt', jpn: 'ja', deu: 'de', jav: 'jv', kor: 'ko',
	fra: 'fr', tur: 'tr', vie: 'vi', tel: 'te', mar: 'mr', tam: 'ta', ita: 'it', urd: 'ur', guj: 'gu', pol: 'pl', ukr: 'uk', fas: 'fa',
	pes: 'fa', mal: 'ml', kan: 'kn', ori: 'or', ron: 'ro', nld: 'nl', hun: 'hu', ces: 'cs', ell: 'el', swe: 'sv', bul: 'bg', srp: 'sr',
	hrv: 'hr', bos: 'bs', slk: 'sk', dan: 'da', nob: 'nb', fin: 'fi', heb: 'he', uzn: 'uz', azj: 'az', kaz: 'kk', bel: 'be', amh: 'am',
	hau: 'ha', ibo: 'ig', yor: 'yo', zul: 'zu', xho: 'xh', som: 'so', swh: 'sw', kin: 'rw', mya: 'my', khm: 'km', tha: 'th', ind: 'id',
	zlm: 'ms', tgl: 'tl', ceb: 'ceb', npi: 'ne', sin: 'si', pan: 'pa', snd: 'sd', pbu: 'ps', kat: 'ka', hye: 'hy', lit: 'lt', lvs: 'lv',
	ekk: 'et', slv: 'sl', mkd: 'mk', als: 'sq', cat: 'ca', glg: 'gl', eus: 'eu', afr: 'af', nno: 'nn', isl: 'is', gle: 'ga', cym: 'cy',
};

/** The ISO 639-1 code of an ISO 639-3 code when there is one; the 639-3 code otherwise. */
export function iso6391(code: string): string {
	return TWO_LETTER[code] ?? code;
}
