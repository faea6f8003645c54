/*
 * commands.h - the subcommands of the suture program, one file each in
 * src/cli/.  Each parses its options, calls library code, prints the result
 * and returns the process exit status (0 success, 1 failure, 2 usage).
 */
#ifndef SUTURE_CLI_COMMANDS_H
#define SUTURE_CLI_COMMANDS_H

int cmd_build(int argc, char **argv);
int cmd_kbuild(int argc, char **argv);
int cmd_apply(int argc, char **argv);
int cmd_revert(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_gc(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_review(int argc, char **argv);
int cmd_drift(int argc, char **argv);
int cmd_symbols(int argc, char **argv);
int cmd_gdb(int argc, char **argv);
int cmd_keygen(int argc, char **argv);
int cmd_sign(int argc, char **argv);
int cmd_deb(int argc, char **argv);

/* cli_sign - sign patch @file with secret key @keyfile and say so (for
 * `suture sign` and `suture build --sign`); 0, or 1 with the error
 * printed as "suture @who: ...". */
int cli_sign(const char *file, const char *keyfile, const char *who);

/* cli_sign_key_ok - 0 if @keyfile is a usable secret key, else 1 with the
 * error printed (suture build --sign checks before it builds). */
int cli_sign_key_ok(const char *keyfile, const char *who);

/* The kernel back end (cli/kernel.c): `suture apply|revert|status kernel
 * ...`, argv[0] being "kernel". */
int cmd_apply_kernel(int argc, char **argv);
int cmd_revert_kernel(int argc, char **argv);
int cmd_status_kernel(int argc, char **argv);

/*
 * ccwrap_main - the compiler wrapper.  `suture build` runs the user's build
 * with symlinks named cc, gcc, clang, ... pointing at the suture binary;
 * main() calls this when invoked under such a name.  Never returns on
 * success (it execs the real compiler).
 */
int ccwrap_main(int argc, char **argv);

#endif
