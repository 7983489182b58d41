//! User and group look-ups (`user=`, `chown=`, `~user`, supplementary groups). The normal
//! build asks the C library, so NSS (LDAP, sssd, systemd-userdb) is honoured as Supervisor
//! honours it. A statically linked build (`-C target-feature=+crt-static`) cannot load
//! glibc's NSS modules safely, so it reads /etc/passwd and /etc/group itself (`files`).

use std::path::PathBuf;

/// One user's entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserEntry {
    pub name: String,
    pub uid: u32,
    pub gid: u32,
    pub dir: PathBuf,
}

#[cfg(not(target_feature = "crt-static"))]
mod source {
    use nix::unistd::{Gid, Group, Uid, User};

    use super::UserEntry;

    fn entry(user: User) -> UserEntry {
        UserEntry {
            name: user.name,
            uid: user.uid.as_raw(),
            gid: user.gid.as_raw(),
            dir: user.dir,
        }
    }

    pub fn user_by_name(name: &str) -> Option<UserEntry> {
        User::from_name(name).ok().flatten().map(entry)
    }

    pub fn user_by_uid(uid: u32) -> Option<UserEntry> {
        User::from_uid(Uid::from_raw(uid)).ok().flatten().map(entry)
    }

    pub fn gid_by_name(name: &str) -> Option<u32> {
        Group::from_name(name)
            .ok()
            .flatten()
            .map(|g| g.gid.as_raw())
    }

    pub fn group_exists(gid: u32) -> bool {
        matches!(Group::from_gid(Gid::from_raw(gid)), Ok(Some(_)))
    }

    pub fn groups_of(user: &UserEntry) -> Result<Vec<u32>, String> {
        let name = std::ffi::CString::new(user.name.as_bytes()).map_err(|e| e.to_string())?;
        nix::unistd::getgrouplist(&name, Gid::from_raw(user.gid))
            .map(|groups| groups.into_iter().map(Gid::as_raw).collect())
            .map_err(|e| e.to_string())
    }
}

#[cfg(target_feature = "crt-static")]
mod source {
    use super::files::{self, Database};
    use super::UserEntry;

    pub fn user_by_name(name: &str) -> Option<UserEntry> {
        files::users(&Database::read()).find(|u| u.name == name)
    }

    pub fn user_by_uid(uid: u32) -> Option<UserEntry> {
        files::users(&Database::read()).find(|u| u.uid == uid)
    }

    pub fn gid_by_name(name: &str) -> Option<u32> {
        files::groups(&Database::read())
            .find(|g| g.name == name)
            .map(|g| g.gid)
    }

    pub fn group_exists(gid: u32) -> bool {
        files::groups(&Database::read()).any(|g| g.gid == gid)
    }

    pub fn groups_of(user: &UserEntry) -> Result<Vec<u32>, String> {
        Ok(files::groups_of(&Database::read(), user))
    }
}

/// Readers of the files themselves; unit-tested in every build.
#[cfg(any(test, target_feature = "crt-static"))]
mod files {
    use super::UserEntry;

    /// The two files' text.
    pub struct Database {
        pub passwd: String,
        pub group: String,
    }

    impl Database {
        #[cfg(target_feature = "crt-static")]
        pub fn read() -> Database {
            // Read on each look-up: a long-lived daemon sees users added since it started.
            let read = |path| std::fs::read_to_string(path).unwrap_or_default();
            Database {
                passwd: read("/etc/passwd"),
                group: read("/etc/group"),
            }
        }
    }

    pub struct GroupEntry<'a> {
        pub name: &'a str,
        pub gid: u32,
        pub members: Vec<&'a str>,
    }

    /// The `:`-separated fields of each entry line (comments, blanks and NIS `+`/`-`
    /// lines skipped: they need the NSS modules this build avoids).
    fn records(text: &str) -> impl Iterator<Item = Vec<&str>> {
        text.lines()
            .filter(|line| !line.is_empty() && !line.starts_with(['#', '+', '-']))
            .map(|line| line.split(':').collect())
    }

    /// `name:password:uid:gid:gecos:home:shell`.
    pub fn users(db: &Database) -> impl Iterator<Item = UserEntry> + '_ {
        records(&db.passwd).filter_map(|f| {
            Some(UserEntry {
                name: f.first()?.to_string(),
                uid: f.get(2)?.parse().ok()?,
                gid: f.get(3)?.parse().ok()?,
                dir: f.get(5)?.into(),
            })
        })
    }

    /// `name:password:gid:member,member`.
    pub fn groups(db: &Database) -> impl Iterator<Item = GroupEntry<'_>> {
        records(&db.group).filter_map(|f| {
            Some(GroupEntry {
                name: f.first()?,
                gid: f.get(2)?.parse().ok()?,
                members: f
                    .get(3)
                    .map(|m| m.split(',').filter(|m| !m.is_empty()).collect())
                    .unwrap_or_default(),
            })
        })
    }

    /// getgrouplist(3): the primary group, then every group listing the user as a member.
    pub fn groups_of(db: &Database, user: &UserEntry) -> Vec<u32> {
        let mut gids = vec![user.gid];
        for group in groups(db) {
            if group.members.contains(&user.name.as_str()) && !gids.contains(&group.gid) {
                gids.push(group.gid);
            }
        }
        gids
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        fn db() -> Database {
            Database {
                passwd: "# comment\nroot:x:0:0:root:/root:/bin/sh\n\
                         www-data:x:33:33:www:/var/www:/usr/sbin/nologin\n\
                         +nisuser\nbroken:x:notanumber:1::/:\n"
                    .into(),
                group: "root:x:0:\nwww-data:x:33:\nadm:x:4:syslog,www-data\n\
                        staff:x:50:alice\n"
                    .into(),
            }
        }

        #[test]
        fn users_are_read_from_passwd_lines() {
            let db = db();
            let www = users(&db).find(|u| u.name == "www-data").unwrap();
            assert_eq!((www.uid, www.gid), (33, 33));
            assert_eq!(www.dir, std::path::Path::new("/var/www"));
            let names: Vec<String> = users(&db).map(|u| u.name).collect();
            assert_eq!(
                names,
                ["root", "www-data"],
                "NIS and malformed lines skipped"
            );
        }

        #[test]
        fn groups_and_memberships_are_read_from_group_lines() {
            let db = db();
            assert_eq!(groups(&db).find(|g| g.name == "adm").unwrap().gid, 4);
            let www = users(&db).find(|u| u.name == "www-data").unwrap();
            assert_eq!(groups_of(&db, &www), [33, 4]);
            let root = users(&db).next().unwrap();
            assert_eq!(groups_of(&db, &root), [0]);
        }
    }
}

/// The user called `name`.
pub fn user_by_name(name: &str) -> Option<UserEntry> {
    source::user_by_name(name)
}

/// The user whose uid is `uid`.
pub fn user_by_uid(uid: u32) -> Option<UserEntry> {
    source::user_by_uid(uid)
}

/// The gid of the group called `name`.
pub fn gid_by_name(name: &str) -> Option<u32> {
    source::gid_by_name(name)
}

/// Whether a group has this gid.
pub fn group_exists(gid: u32) -> bool {
    source::group_exists(gid)
}

/// The user's groups as getgrouplist(3) gives them (primary group included).
pub fn groups_of(user: &UserEntry) -> Result<Vec<u32>, String> {
    source::groups_of(user)
}
