export { buildProgram, main, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, type CliIo } from './cli.js';
