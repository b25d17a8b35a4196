import { testData } from '../helpers/fixtures.js';
import { tiffSeriesSuite } from './tiff-series.suite.js';

tiffSeriesSuite(testData());
