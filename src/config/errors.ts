// The one error the config module throws: every problem found in a config file or in the
// CALLFS_ environment, each naming its dotted key, so start-up fails once with the full list.

export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  /** One line per problem, each starting with the dotted key it is about. */
  readonly problems: readonly string[];

  constructor(problems: readonly string[], options?: { cause?: unknown }) {
    super(problems.join('\n'), options);
    this.name = 'ConfigError';
    this.problems = [...problems];
  }
}
