// Experiment for issue 16 (bench/ping.bench.ts, variant "libs"): a Directus WITHOUT the suite
// that imports the heavy libraries the suite's bundle used to import at start-up, and keeps
// them reachable (the wink model instantiated, as the first analysis does), so a /server/ping
// A/B can tell "a bigger heap" apart from "the suite's hooks, routes and timers".
import nlp from 'compromise';
import winkNLP from 'wink-nlp';
import model from 'wink-eng-lite-web-model';
import * as bullmq from 'bullmq';
import * as ioredis from 'ioredis';
import OpenAI from 'openai';

globalThis.__pingPreload = { nlp, wink: winkNLP(model), bullmq, ioredis, OpenAI };
