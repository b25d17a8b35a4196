import { testData } from '../helpers/fixtures.js';
import { tiffDataSuite } from './tiff-data.suite.js';

tiffDataSuite(testData());
