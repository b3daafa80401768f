/* Hostile-header parsing of one file for the dependency search
 * (lib/tree/elfdeps.c): what an ELF object needs at run time (PT_INTERP,
 * DT_NEEDED, DT_SONAME, DT_RPATH/DT_RUNPATH) or a "#!" script's interpreter.
 * Internal to lib/tree; exposed for the fuzz harness. */
#ifndef JAIL_TREE_ELF_H
#define JAIL_TREE_ELF_H

#include "base/util.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
	JAIL_ELF_OTHER,	 /* neither ELF nor an executable script */
	JAIL_ELF_OBJECT, /* an ELF object */
	JAIL_ELF_SCRIPT, /* "#!interp [arg]" */
	JAIL_ELF_BAD,	 /* malformed: bad says what */
} jail_elf_kind_t;

typedef struct jail_elf_info {
	jail_elf_kind_t kind;
	const char *bad;	 /* JAIL_ELF_BAD: a static description */
	unsigned char cls, data; /* EI_CLASS, EI_DATA (0 if unknown) */
	uint16_t machine;
	char *interp;	  /* PT_INTERP, or the "#!" interpreter */
	char *script_arg; /* the "#!" line's optional argument */
	char *soname;
	jail_strv_t needed;
	char *rpath; /* NULL when DT_RUNPATH is present (ld.so ignores it then) */
	char *runpath;
} jail_elf_info_t;

/* Parse the file FD of SIZE bytes whose first HEAD_LEN bytes are HEAD (the
 * caller's first read; more is pread from FD only as the headers point to
 * it, each range checked against SIZE first).  A "#!" line counts only when
 * EXEC (the file has an execute bit).  INFO must be zeroed; returns 0, or
 * -1 with INFO->kind JAIL_ELF_BAD.  Clear INFO with jail_elf_info_clear(). */
int jail_elf_parse(int fd, const unsigned char *head, size_t head_len, uint64_t size, bool exec,
		   jail_elf_info_t *info);
void jail_elf_info_clear(jail_elf_info_t *info);

#endif
