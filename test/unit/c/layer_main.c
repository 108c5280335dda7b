/* The entry point of out/layers/<layer> (see the Makefile): linking a layer
 * and those below it into a program proves it needs nothing above it. */
int main(void) { return 0; }
