//! The inputs every output shares: the config and the theme, loaded once per build that needs
//! them, with the signatures that tell the build when they changed.

use anyhow::Result;

use crate::build::assets::uses_assets;
use crate::build::incremental::deps::template_closure;
use crate::build::incremental::signature::Signature;
use crate::build::outputs::pages::SiteView;
use crate::build::outputs::thread_pages::TEMPLATE as THREAD_TEMPLATE;
use crate::build::outputs::urls::LinkBase;
use crate::build::theme::Theme;
use crate::build::translations;
use crate::config::Config;
use crate::project::Project;
use crate::render::RenderOptions;

/// Everything loaded from the config and the theme.
pub(super) struct Inputs {
    pub(super) config: Config,
    pub(super) tz: jiff::tz::TimeZone,
    pub(super) theme: Theme,
    pub(super) link: LinkBase,
    pub(super) site: SiteView,
    pub(super) render: RenderOptions,
    /// Config, theme settings and version: every output depends on it.
    pub(super) global: u64,
    /// The chat pages' templates.
    pub(super) chat_templates: u64,
    /// The index's templates.
    pub(super) index_templates: u64,
    /// The thread pages' templates (`thread.html` and what it uses).
    pub(super) thread_templates: u64,
    /// Whether the theme has `thread.html`: without it, no thread pages.
    pub(super) thread_pages: bool,
    /// The search page's templates (0 without a search page).
    pub(super) search_templates: u64,
    /// Whether the chat pages' templates call `asset()` (their pages then change with the
    /// static files' fingerprinted names).
    pub(super) chat_uses_assets: bool,
    pub(super) index_uses_assets: bool,
    pub(super) thread_uses_assets: bool,
    pub(super) search_uses_assets: bool,
}

impl Inputs {
    /// What the chat pages are rendered from besides their chat: the config, their templates,
    /// whether the theme makes thread pages and (when the templates link them) the static files'
    /// fingerprinted names.
    pub(super) fn chat_page_context(&self) -> Signature {
        let mut sig = self.page_context(self.chat_templates, self.chat_uses_assets);
        // Pages link threads' own pages only when the theme makes them.
        sig.push([u8::from(self.thread_pages)]);
        sig
    }

    /// What a chat's thread pages are rendered from besides their chat and thread, as
    /// [`Self::chat_page_context`] is for its pages.
    pub(super) fn thread_page_context(&self) -> Signature {
        self.page_context(self.thread_templates, self.thread_uses_assets)
    }

    /// What the index is rendered from besides the chats' summaries.
    pub(super) fn index_context(&self) -> Signature {
        self.page_context(self.index_templates, self.index_uses_assets)
    }

    /// What the search page is rendered from (it reads the index in the reader's browser).
    pub(super) fn search_page_context(&self) -> Signature {
        self.page_context(self.search_templates, self.search_uses_assets)
    }

    /// The config, a page's templates and, when they call `asset()`, the fingerprinted names.
    fn page_context(&self, templates: u64, uses_assets: bool) -> Signature {
        let mut sig = Signature::new();
        sig.push_u64(self.global);
        sig.push_u64(templates);
        if uses_assets {
            sig.push_u64(self.theme.assets.signature());
        }
        sig
    }

    pub(super) fn load(project: &Project) -> Result<Inputs> {
        let config = project.load_config()?;
        let tz = config.time_zone()?;
        let mut theme = Theme::load(project, &config.theme)?;
        for warning in translations::install(&mut theme, &config.language, &tz)? {
            tracing::warn!("{warning}");
        }
        let link = LinkBase::new(config.base_url());
        let mut extra = theme.manifest.extra.clone();
        for (k, v) in &config.extra {
            extra.insert(k.clone(), v.clone());
        }
        let site = SiteView {
            title: config.title.clone(),
            description: config.description.clone(),
            base_url: config.base_url().to_owned(),
            language: config.language.clone(),
            extra,
            csp: config.page_csp().unwrap_or_default().to_owned(),
            search: super::search::has_page(&config, &theme),
        };
        let config_bytes = crate::fsio::read_optional(&project.config_path())?.unwrap_or_default();
        let global = Signature::new()
            .with(env!("CARGO_PKG_VERSION"))
            .with(&config_bytes)
            .with(&site.csp)
            .with([u8::from(site.search)])
            .with(format!("{:?}", theme.manifest.extra))
            .with(theme.translations.fingerprint())
            .finish();
        let templates_sig = |root: &str| {
            let mut sig = Signature::new();
            for name in template_closure(root, &theme.sources) {
                sig.push(&name);
                sig.push(theme.sources.get(&name).map(String::as_str).unwrap_or(""));
            }
            sig.finish()
        };
        let uses_assets = |root: &str| {
            let closure = template_closure(root, &theme.sources);
            uses_assets(
                closure
                    .iter()
                    .filter_map(|name| theme.sources.get(name).map(String::as_str)),
            )
        };
        Ok(Inputs {
            chat_uses_assets: uses_assets("chat.html"),
            index_uses_assets: uses_assets("index.html"),
            thread_uses_assets: uses_assets(THREAD_TEMPLATE),
            thread_templates: templates_sig(THREAD_TEMPLATE),
            thread_pages: theme.templates.contains_key(THREAD_TEMPLATE),
            search_uses_assets: site.search && uses_assets("search.html"),
            render: RenderOptions {
                timezone: tz.clone(),
                language: crate::locale::Language::from_tag_or_english(&config.language),
            },
            chat_templates: templates_sig("chat.html"),
            index_templates: templates_sig("index.html"),
            search_templates: if site.search {
                templates_sig("search.html")
            } else {
                0
            },
            config,
            tz,
            theme,
            link,
            site,
            global,
        })
    }
}
