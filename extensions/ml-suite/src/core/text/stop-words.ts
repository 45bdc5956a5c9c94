/**
 * The suite's English stop words: function words that match almost every document. Keyword
 * search leaves them out of the index and of queries (the full-text engines would score them
 * near zero anyway), and snippets, transcript segments and extractive answers ignore them when
 * they look for a query's terms. Changing the list changes the terms stored in SQLite full-text
 * indexes: it needs a reindex.
 */
export const ENGLISH_STOP_WORDS: ReadonlySet<string> = new Set(
	'a an and are as at be but by can do does for from had has have he her his how i if in into is it its me my no not of on or our she so such than that the their them then there these they this those to was we were what when where which who whom why will with would you your'.split(' '),
);

/**
 * Words of a request rather than of its subject ("please explain …", "tell me about …"), which
 * a question carries on top of the stop words. Extractive answers ignore both when they match a
 * question's terms against passages.
 */
export const REQUEST_WORDS: ReadonlySet<string> = new Set('about all any been could describe did explain give list many more most much please should some tell'.split(' '));

/**
 * The function words the local embedder down-weights. They are part of its vector format:
 * changing them changes every local embedding (stored vectors would no longer match new
 * queries), so this list stays as it was when the embedder was written, a subset of
 * {@link ENGLISH_STOP_WORDS}.
 */
export const LOCAL_EMBEDDER_STOP_WORDS: readonly string[] = 'a an and are as at be but by for from has have he her his i in is it its of on or our she so that the their they this to was we were will with you your'.split(' ');
