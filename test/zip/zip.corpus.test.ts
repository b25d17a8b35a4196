import { corpusData } from '../helpers/paths.js';
import { listZipSuite } from './listing.suite.js';

listZipSuite(corpusData);
