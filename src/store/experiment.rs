//! Experiments: `<root>/<id>/` when active, `<root>/.trash/<id>/` when deleted, each with a
//! `meta.yaml` and `tags/`. Reading, and the meta.yaml documents MLflow writes for them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::error::{Problem, Result, StoreError};
use super::yaml::{self, Yaml};
use super::{Flavor, Lifecycle, fs, keyed};

#[derive(Debug, Clone)]
pub struct Experiment {
    pub id: String,
    pub name: String,
    pub artifact_location: String,
    pub lifecycle_stage: Lifecycle,
    pub creation_time: Option<i64>,
    pub last_update_time: Option<i64>,
    pub tags: BTreeMap<String, String>,
    /// The folder: `<root>/<id>` or `<root>/.trash/<id>`.
    pub dir: PathBuf,
    /// Tag files that could not be read (left out of `tags`, reported by listings).
    pub problems: Vec<Problem>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct MetaFile {
    experiment_id: Option<String>,
    name: Option<String>,
    artifact_location: Option<String>,
    lifecycle_stage: Option<String>,
    creation_time: Option<i64>,
    last_update_time: Option<i64>,
}

impl Experiment {
    pub fn meta_path(&self) -> PathBuf {
        self.dir.join("meta.yaml")
    }

    pub fn tags_dir(&self) -> PathBuf {
        self.dir.join("tags")
    }

    pub fn is_active(&self) -> bool {
        self.lifecycle_stage == Lifecycle::Active
    }

    /// Read an experiment folder; `folder_id` is the folder name, which must match meta.yaml.
    pub fn load(dir: &Path) -> Result<Experiment> {
        let folder_id = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let (path, text) = fs::read_meta(dir, "an experiment")?;
        let meta: MetaFile = yaml::parse(&path, &text)?;
        let id = meta
            .experiment_id
            .ok_or_else(|| StoreError::invalid(&path, "missing key 'experiment_id'"))?;
        if id != folder_id {
            return Err(StoreError::invalid(
                &path,
                format!("experiment_id '{id}' does not match its folder name '{folder_id}'"),
            ));
        }
        let name = meta
            .name
            .ok_or_else(|| StoreError::invalid(&path, "missing key 'name'"))?;
        let mut problems = Vec::new();
        let tags = keyed::read_readable(&dir.join("tags"), &mut problems)?;
        Ok(Experiment {
            id,
            name,
            artifact_location: meta.artifact_location.unwrap_or_default(),
            lifecycle_stage: Lifecycle::parse(meta.lifecycle_stage.as_deref()),
            creation_time: meta.creation_time,
            last_update_time: meta.last_update_time,
            tags,
            dir: dir.to_path_buf(),
            problems,
        })
    }

    /// meta.yaml as `create_experiment` writes it (no `tags` key).
    pub fn new_meta(&self, flavor: Flavor) -> String {
        let mut map = BTreeMap::from([
            (
                "artifact_location".into(),
                Yaml::str(&self.artifact_location),
            ),
            ("creation_time".into(), Yaml::opt_int(self.creation_time)),
            ("experiment_id".into(), Yaml::str(&self.id)),
            (
                "last_update_time".into(),
                Yaml::opt_int(self.last_update_time),
            ),
            (
                "lifecycle_stage".into(),
                Yaml::str(self.lifecycle_stage.as_str()),
            ),
            ("name".into(), Yaml::str(&self.name)),
        ]);
        if flavor == Flavor::V3 {
            map.insert("effective_trace_archival_retention".into(), Yaml::Null);
            map.insert("trace_location".into(), Yaml::Null);
            map.insert("workspace".into(), Yaml::str("default"));
        }
        yaml::to_string(&Yaml::Map(map))
    }

    /// meta.yaml as rename/delete/restore rewrite it: every key already there (so 3.x keys and
    /// keys unknown to mlrs survive), the updated fields, and a `tags` map of the current tags.
    pub fn rewritten_meta(&self) -> Result<String> {
        let path = self.meta_path();
        let mut map = yaml::parse_map(&path, &fs::read_to_string(&path)?)?;
        map.insert("name".into(), Yaml::str(&self.name));
        map.insert(
            "lifecycle_stage".into(),
            Yaml::str(self.lifecycle_stage.as_str()),
        );
        map.insert(
            "last_update_time".into(),
            Yaml::opt_int(self.last_update_time),
        );
        map.insert(
            "tags".into(),
            Yaml::Map(
                self.tags
                    .iter()
                    .map(|(k, v)| (k.clone(), Yaml::str(v)))
                    .collect(),
            ),
        );
        Ok(yaml::to_string(&Yaml::Map(map)))
    }
}

/// MLflow's `_generate_unique_integer_id`: the last 18 digits of a random 128-bit number,
/// with a random non-zero digit for each leading zero, so always 18 digits.
pub fn generate_id() -> String {
    let n = uuid::Uuid::new_v4().as_u128();
    let digits = format!("{:018}", n % 1_000_000_000_000_000_000);
    let trimmed = digits.trim_start_matches('0');
    let mut id = String::with_capacity(18);
    for _ in 0..(18 - trimmed.len()) {
        let r = (uuid::Uuid::new_v4().as_u128() % 9) as u8 + 1;
        id.push((b'0' + r) as char);
    }
    id.push_str(trimmed);
    id
}

#[cfg(test)]
mod tests {
    #[test]
    fn ids_have_18_digits() {
        for _ in 0..200 {
            let id = super::generate_id();
            assert_eq!(id.len(), 18, "{id}");
            assert!(!id.starts_with('0'));
        }
    }
}
