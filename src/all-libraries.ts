/** Every library, loaded eagerly: for the library entry (src/index.ts), the playground and the tests. */
import './collections/index.js';
import './pyrandom/index.js';
import './itertools/index.js';
import './functools/index.js';
import './copy/index.js';
import './time/index.js';
import './numpy/index.js';
import './function/index.js';
import './nn/index.js';
import './optim/index.js';
