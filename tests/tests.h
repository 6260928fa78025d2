/*
 * tests.h -- shared helpers of the check-based unit tests.
 */
#ifndef TESTS_H
#define TESTS_H

#include <check.h>

#include "civreg.h"

#define T_ADMIN_PW	"admin-password-1"
#define T_CLERK_PW	"clerk-password-1"

Suite	*core_suite(void);
Suite	*store_suite(void);
Suite	*tui_suite(void);
Suite	*match_suite(void);

/* A fresh store in a new temporary directory, with admin and clerk. */
char	*t_store_new(void);
void	 t_store_remove(char *dir);
void	 t_login(const char *dir, const char *user, const char *pw,
	    struct session *);
int	 t_declare_birth(struct session *, const char *name_km,
	    const char *name_latin, char id[REC_IDLEN], struct cr_err *);
void	 t_add_user(struct session *admin, const char *name, int role,
	    const char *pw);

#endif
