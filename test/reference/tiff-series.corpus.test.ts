import { corpusData } from '../helpers/paths.js';
import { tiffSeriesSuite } from './tiff-series.suite.js';

tiffSeriesSuite(corpusData);
