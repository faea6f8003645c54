/* procsvc.c - proc_service for libthread_db (procsvc.h).  The ps_*
 * functions are exported from the suture binary (Makefile), where
 * libthread_db.so.1 finds them. */
#include <errno.h>
#include <gelf.h>
#include <string.h>

#include "apply/procsvc.h"
#include "apply/resolve.h"

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* Symbol @name of the symbol table at section @scn of @mod. */
static int from_table(const struct module *mod, Elf_Scn *scn,
		      const GElf_Shdr *sh, const char *name, uint64_t *addr)
{
	Elf_Data *d = elf_getdata(scn, NULL);
	/* sh_entsize 0 would divide by zero; the bytes, not sh_size, count. */
	size_t count = d && sh->sh_entsize ? d->d_size / sh->sh_entsize : 0;
	GElf_Sym y;

	for (size_t i = 1; i < count; i++) {
		const char *n;

		if (!gelf_getsym(d, (int)i, &y) || y.st_shndx == SHN_UNDEF ||
		    !(n = elf_strptr(mod->elf, sh->sh_link, y.st_name)) ||
		    strcmp(n, name))
			continue;
		*addr = mod->bias + y.st_value;
		return 0;
	}
	return -ENOENT;
}

/*
 * @name in the symbol table of @mod, locals included: a statically linked
 * program has no dynamic symbols, and keeps what libthread_db needs (and
 * its struct link_map, _dl_main_map) only there.
 */
static int from_symtab(const struct module *mod, const char *name,
		       uint64_t *addr)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(mod->elf, scn)))
		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_SYMTAB &&
		    sh.sh_entsize)
			return from_table(mod, scn, &sh, name, addr);
	return -ENOENT;
}

int procsvc_lookup(struct ps_prochandle *ph, const char *object,
		   const char *name, uint64_t *addr)
{
	struct modules *mods = ph->mods;
	struct module *main = modules_main(mods);

	for (size_t i = 0; i < mods->n; i++)
		if ((!object || !strcmp(base_name(mods->v[i].path), object)) &&
		    !resolve_dynsym(&mods->v[i], ph->mem, name, addr))
			return 0;
	return main && mods->n == 1 ? from_symtab(main, name, addr) : -ENOENT;
}

ps_err_e ps_pglobal_lookup(struct ps_prochandle *ph, const char *object,
			   const char *name, psaddr_t *addr)
{
	uint64_t a;

	if (procsvc_lookup(ph, object, name, &a) &&
	    procsvc_lookup(ph, NULL, name, &a))
		return PS_NOSYM;
	*addr = (psaddr_t)a;
	return PS_OK;
}

ps_err_e ps_pdread(struct ps_prochandle *ph, psaddr_t addr, void *buf,
		   size_t len)
{
	return rmem_read(ph->mem, (uint64_t)addr, buf, len, NULL) ? PS_ERR
								  : PS_OK;
}

ps_err_e ps_pdwrite(struct ps_prochandle *ph, psaddr_t addr, const void *buf,
		    size_t len)
{
	return PS_ERR;
}

ps_err_e ps_lgetregs(struct ps_prochandle *ph, lwpid_t lwp, prgregset_t regs)
{
	return PS_ERR;
}

ps_err_e ps_lsetregs(struct ps_prochandle *ph, lwpid_t lwp,
		     const prgregset_t regs)
{
	return PS_ERR;
}

ps_err_e ps_lgetfpregs(struct ps_prochandle *ph, lwpid_t lwp,
		       prfpregset_t *regs)
{
	return PS_ERR;
}

ps_err_e ps_lsetfpregs(struct ps_prochandle *ph, lwpid_t lwp,
		       const prfpregset_t *regs)
{
	return PS_ERR;
}

pid_t ps_getpid(struct ps_prochandle *ph)
{
	return ph->pid;
}
