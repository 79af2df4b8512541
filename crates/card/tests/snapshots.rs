//! Snapshots of the full analysis of real cards of different kinds, from
//! `../shared/data/hub/readmes.jsonl`. A change in any of them is a change in behaviour: review
//! it with `cargo insta review` (or `INSTA_UPDATE=always`) and say why in the commit.
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::sync::OnceLock;

use hubscope_card::CardAnalyzer;

fn readme(id: &str) -> &'static str {
    static READMES: OnceLock<HashMap<String, String>> = OnceLock::new();
    let all = READMES.get_or_init(|| {
        hubscope_corpus::readmes()
            .into_iter()
            .map(|r| (r.id, r.readme))
            .collect()
    });
    all.get(id)
        .unwrap_or_else(|| panic!("hub/readmes.jsonl has no card for {id}"))
}

fn snapshot(name: &str, id: &str) {
    let card = CardAnalyzer::new().analyze(readme(id)).unwrap();
    let json = serde_json::to_string_pretty(&card).unwrap();
    insta::with_settings!({ description => id, omit_expression => true }, {
        insta::assert_snapshot!(name, json);
    });
}

macro_rules! snapshots {
    ($($name:ident => $id:literal, // $kind:literal
    )*) => {
        $(
            #[test]
            fn $name() {
                snapshot(stringify!($name), $id);
            }
        )*
    };
}

snapshots! {
    llm_bloom => "bigscience/bloom", // "LLM with a long hand-written card"
    llm_llama2_chat => "meta-llama/Llama-2-7b-chat-hf", // "LLM, gated licence"
    llm_gemma => "google/gemma-7b", // "LLM, 'Model Card for' title, other licence"
    llm_phi2 => "microsoft/phi-2", // "LLM, licence link"
    llm_deepseek_r1 => "deepseek-ai/DeepSeek-R1", // "LLM, HTML headings and numbered sections"
    llm_deepseek_v3 => "deepseek-ai/DeepSeek-V3", // "LLM, numbered sections"
    diffusion_sd21 => "stabilityai/stable-diffusion-2-1", // "diffusion model"
    diffusion_sd3 => "stabilityai/stable-diffusion-3-medium", // "diffusion model, licence name and link"
    diffusion_svd_template_edited => "stabilityai/stable-video-diffusion-img2vid-xt", // "HF template, filled in"
    tts_kokoro => "hexgrad/Kokoro-82M", // "text-to-speech"
    quantized_thebloke => "TheBloke/Llama-2-7B-Chat-GGML", // "quantisation with the original card quoted"
    quantized_pruna => "PrunaAI/google-gemma-7b-HQQ-2bit-smashed", // "organisation template, HTML header"
    trainer_unedited => "alielfilali01/Llama-2-7b-chat-hf-tuned-medical-qa", // "Transformers Trainer, unedited"
    trl_unedited => "gljj/llama-2-7b-chat-Singapore-fake-news-SFT", // "TRL card, licence placeholder"
    template_unedited => "1986random/l", // "HF template, unedited"
    template_partly_edited => "qu-bit/SuperLLM", // "HF template, partly filled"
    no_front_matter => "Yaavuzzz/Yavuz", // "no front matter at all"
    dreambooth_leading_blank_line => "WildPress/model", // "diffusers DreamBooth, blank line before ---"
    diffusers_script => "awatterson/dogbooth", // "diffusers training-script comment"
    autotrain => "sh0men/autotrain-0pm1h-neolk", // "AutoTrain"
    unsloth_edited => "saucam/gemma-samvaad-7b", // "Unsloth, with an added section"
    mergekit => "shidowake/test-240114-phi2-mergekit", // "mergekit"
    chinese_template_filled => "CynthiaAAAA/deepseek-chat", // "template filled in Chinese"
    datasets_as_string => "WarriorMama777/OrangeMixs", // "datasets written as a string"
}
