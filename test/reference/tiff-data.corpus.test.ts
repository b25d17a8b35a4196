import { corpusData } from '../helpers/paths.js';
import { tiffDataSuite } from './tiff-data.suite.js';

tiffDataSuite(corpusData);
