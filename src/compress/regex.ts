// V8 compiles a regex on its first use to bytecode and on its second to machine code, unless the
// first subject is long (1,000 characters or more): then to machine code alone. For the large
// regexes here that one compile takes a quarter of the time of the two, and a CLI process pays it
// for every regex once per run. So a family primes the regexes it asks of every line before its
// first line. The subject is a character that no regex here starts a match with and that no
// `\s` or `\w` takes, so that each regex fails fast at each position.
const LONG_SUBJECT = "\u0001".repeat(1000);

/** A function that compiles the regexes to machine code on its first call (later calls do nothing). */
export function primer(regexes: readonly RegExp[]): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    for (const re of regexes) {
      re.test(LONG_SUBJECT);
      re.lastIndex = 0;
    }
  };
}
