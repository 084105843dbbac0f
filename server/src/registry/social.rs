//! Social services: pensions and family payments (СФР), unemployment benefit (Минтруд), health
//! care (Минздрав) and school enrolment (Минпросвещения).

use super::*;
use app::services::{AccountLevel, Agency, RegionRule};

pub(super) fn services() -> Vec<ServiceDescription> {
    vec![
        pension_delivery(),
        pension_assignment(),
        annual_family_payment(),
        unemployment_benefit(),
        doctor_appointment(),
        oms_policy(),
        first_grade_enrolment(),
    ]
}

fn pension_delivery() -> ServiceDescription {
    let delivery = [
        ("bank", "На счёт в банке", "To a bank account"),
        ("post", "Через Почту России", "By Russian Post"),
    ];
    let [bik, account] = bank_account();
    let bank_only = "Только для доставки на счёт в банке";
    ServiceDescription {
        code: "10000000109".to_owned(),
        target_code: "-10000000109".to_owned(),
        real_code: true,
        title: "Выбор способа доставки пенсии".to_owned(),
        agency: Agency::Sfr,
        summary: "Пенсию начнут перечислять на ваш счёт в банке или приносить через Почту \
                  России — с 1-го числа месяца, следующего за месяцем подачи заявления."
            .to_owned(),
        deadline: deadline_in_words(
            "Новый способ доставки действует с 1-го числа следующего месяца",
        ),
        fee: free(),
        required_level: AccountLevel::Confirmed,
        regions: RegionRule::AllRussia,
        documents: strings(&[
            "СНИЛС",
            "Реквизиты счёта карты «Мир» (БИК и номер счёта) — для доставки через банк",
        ]),
        form: form(
            vec![
                snils(),
                last_name(),
                first_name(),
                middle_name(),
                radio(
                    "delivery_method",
                    "Способ доставки",
                    "Delivery method",
                    &delivery,
                ),
                bik.optional().help(bank_only),
                account.optional().help(bank_only),
                mobile_phone(),
            ],
            no_attachments(),
        ),
    }
}

fn pension_assignment() -> ServiceDescription {
    let pension_types = [
        (
            "old_age",
            "Страховая пенсия по старости",
            "Old-age insurance pension",
        ),
        (
            "disability",
            "Страховая пенсия по инвалидности",
            "Disability pension",
        ),
        (
            "survivor",
            "По случаю потери кормильца",
            "Survivor's pension",
        ),
    ];
    ServiceDescription {
        code: "10000000110".to_owned(),
        target_code: "-10000000110".to_owned(),
        real_code: true,
        title: "Назначение пенсии".to_owned(),
        agency: Agency::Sfr,
        summary: "Назначение страховой пенсии по старости, по инвалидности или по случаю \
                  потери кормильца. Сведения о стаже и заработке СФР запрашивает сам."
            .to_owned(),
        deadline: working_days(10).noted("со дня приёма заявления"),
        fee: free(),
        required_level: AccountLevel::Confirmed,
        regions: RegionRule::AllRussia,
        documents: strings(&[
            "Паспорт гражданина РФ",
            "СНИЛС",
            "Трудовая книжка и справки о стаже — если этих сведений нет в СФР",
            "Документы о нетрудоспособных членах семьи на иждивении — при наличии",
        ]),
        form: form(
            vec![
                snils(),
                last_name(),
                first_name(),
                middle_name(),
                birth_date(),
                select("pension_type", "Вид пенсии", "Pension type", &pension_types),
                residence_address(),
                mobile_phone(),
            ],
            scans(
                10,
                "Трудовая книжка, справки о стаже и заработке, которых нет в СФР",
            ),
        ),
    }
}

fn annual_family_payment() -> ServiceDescription {
    let [bik, account] = bank_account();
    ServiceDescription {
        code: "60080315".to_owned(),
        target_code: "-60080315".to_owned(),
        real_code: true,
        title: "Ежегодная семейная выплата".to_owned(),
        agency: Agency::Sfr,
        summary: "Возврат части НДФЛ семьям с двумя и более детьми: разница между уплаченным \
                  налогом и 6 % доходов родителей за прошлый год, если среднедушевой доход \
                  семьи не выше 1,5 прожиточного минимума. Заявление подают с 1 июня \
                  по 1 октября."
            .to_owned(),
        deadline: working_days(10).noted("решение; деньги перечисляют в течение 5 рабочих дней"),
        fee: free(),
        required_level: AccountLevel::Confirmed,
        regions: RegionRule::AllRussia,
        documents: strings(&[
            "СНИЛС заявителя, супруга и детей",
            "Свидетельства о рождении детей",
            "Реквизиты счёта карты «Мир»",
        ]),
        form: form(
            vec![
                snils(),
                inn(),
                number(
                    "income_year",
                    "Год получения доходов",
                    "Income year",
                    2025,
                    2030,
                ),
                number(
                    "children_count",
                    "Количество детей",
                    "Number of children",
                    2,
                    20,
                )
                .help("Дети до 18 лет, а если учатся очно — до 23 лет"),
                bik,
                account,
                mobile_phone(),
                confirmation(
                    "no_alimony_debt",
                    "На 31 декабря у меня не было задолженности по алиментам",
                    "On 31 December I had no child-support arrears",
                ),
            ],
            no_attachments(),
        ),
    }
}

fn unemployment_benefit() -> ServiceDescription {
    let education = [
        ("general", "Среднее общее", "Secondary school"),
        ("vocational", "Среднее профессиональное", "Vocational"),
        ("higher", "Высшее", "Higher"),
    ];
    let [bik, account] = bank_account();
    ServiceDescription {
        code: "10000001107".to_owned(),
        target_code: "-10000001107".to_owned(),
        real_code: false,
        title: "Регистрация в качестве безработного и назначение пособия по безработице".to_owned(),
        agency: Agency::Mintrud,
        summary: "Центр занятости признаёт безработным и назначает пособие; заявление \
                  передаётся через портал «Работа России», там же подбирают вакансии."
            .to_owned(),
        deadline: working_days(11).noted("решение о признании безработным"),
        fee: free(),
        required_level: AccountLevel::Confirmed,
        regions: RegionRule::AllRussia,
        documents: strings(&[
            "Паспорт гражданина РФ",
            "СНИЛС",
            "Сведения о трудовой деятельности",
            "Реквизиты счёта карты «Мир»",
        ]),
        form: form(
            vec![
                snils(),
                last_name(),
                first_name(),
                past_date("dismissal_date", "Дата увольнения", "Date of dismissal")
                    .optional()
                    .help("Если работали раньше"),
                select("education", "Образование", "Education", &education),
                text(
                    "desired_position",
                    "Желаемая должность",
                    "Desired position",
                    200,
                ),
                bik,
                account,
                mobile_phone(),
            ],
            scans(
                3,
                "Справка о среднем заработке, документ об образовании — по запросу",
            ),
        ),
    }
}

fn doctor_appointment() -> ServiceDescription {
    let specialties = [
        ("therapist", "Терапевт", "General practitioner"),
        ("pediatrician", "Педиатр", "Paediatrician"),
        ("dentist", "Стоматолог", "Dentist"),
        ("ophthalmologist", "Офтальмолог", "Ophthalmologist"),
        ("surgeon", "Хирург", "Surgeon"),
    ];
    ServiceDescription {
        code: "10000001105".to_owned(),
        target_code: "-10000001105".to_owned(),
        real_code: false,
        title: "Запись на приём к врачу".to_owned(),
        agency: Agency::Minzdrav,
        summary: "Запись в поликлинику, к которой вы прикреплены по полису ОМС: к терапевту, \
                  педиатру, стоматологу и другим врачам."
            .to_owned(),
        deadline: deadline_in_words("Сразу: талон выдаётся в момент записи"),
        fee: free(),
        required_level: AccountLevel::Standard,
        regions: RegionRule::AllRussia,
        documents: strings(&["Полис ОМС", "СНИЛС"]),
        form: form(
            vec![
                identifier("enp", IdentifierKind::Enp).help("16 цифр с полиса ОМС"),
                last_name(),
                first_name(),
                birth_date(),
                select("specialty", "Врач", "Doctor", &specialties),
                date("visit_date", "Желаемая дата приёма", "Preferred date"),
                mobile_phone(),
            ],
            no_attachments(),
        ),
    }
}

fn oms_policy() -> ServiceDescription {
    let insurers = [
        (
            "sogaz_med",
            "АО «Страховая компания «СОГАЗ-Мед»",
            "SOGAZ-Med",
        ),
        ("ingosstrakh_m", "ООО «Ингосстрах-М»", "Ingosstrakh-M"),
        ("kapital_ms", "ООО «Капитал МС»", "Kapital MS"),
        ("reso_med", "ООО «РЕСО-Мед»", "RESO-Med"),
    ];
    ServiceDescription {
        code: "10000001106".to_owned(),
        target_code: "-10000001106".to_owned(),
        real_code: false,
        title: "Оформление полиса ОМС".to_owned(),
        agency: Agency::Minzdrav,
        summary: "Полис обязательного медицинского страхования в выбранной страховой \
                  медицинской организации: выдаётся в электронном виде, как выписка из единого \
                  регистра застрахованных лиц."
            .to_owned(),
        deadline: deadline_in_words("Выписку о полисе выдают в день обращения"),
        fee: free(),
        required_level: AccountLevel::Confirmed,
        regions: RegionRule::AllRussia,
        documents: strings(&["Паспорт гражданина РФ", "СНИЛС"]),
        form: form(
            vec![
                last_name(),
                first_name(),
                birth_date(),
                gender(),
                snils(),
                passport(),
                passport_issue_date(),
                passport_issuer_code(),
                select("insurer", "Страховая компания", "Insurer", &insurers),
            ],
            no_attachments(),
        ),
    }
}

fn first_grade_enrolment() -> ServiceDescription {
    let rights = [
        (
            "territory",
            "Живёт на закреплённой территории",
            "Lives in the school's area",
        ),
        (
            "sibling",
            "В школе учится брат или сестра",
            "A sibling attends the school",
        ),
        ("none", "Нет особого права", "No priority"),
    ];
    ServiceDescription {
        code: "10000001109".to_owned(),
        target_code: "-10000001109".to_owned(),
        real_code: false,
        title: "Запись в первый класс".to_owned(),
        agency: Agency::Minprosveshcheniya,
        summary: "Заявление о приёме ребёнка в первый класс: с 1 апреля — для детей с \
                  закреплённой территории и с преимущественным правом, с 6 июля — на \
                  свободные места."
            .to_owned(),
        deadline: working_days(3).noted("приказ о приёме — после завершения приёма заявлений"),
        fee: free(),
        required_level: AccountLevel::Confirmed,
        regions: RegionRule::Regions {
            okato_prefixes: strings(&["45", "46"]),
            note_ru: "Москва и Московская область".to_owned(),
        },
        documents: strings(&[
            "Паспорт родителя",
            "Свидетельство о рождении ребёнка",
            "Свидетельство о регистрации ребёнка по месту жительства или пребывания",
            "Документ о преимущественном праве — при наличии",
        ]),
        form: form(
            vec![
                last_name().help("Родителя — заявителя"),
                first_name(),
                text(
                    "child_last_name",
                    "Фамилия ребёнка",
                    "Child's last name",
                    100,
                ),
                text("child_first_name", "Имя ребёнка", "Child's first name", 100),
                past_date(
                    "child_birth_date",
                    "Дата рождения ребёнка",
                    "Child's date of birth",
                ),
                text("school", "Школа", "School", 200).help("Номер или название школы"),
                radio(
                    "priority_right",
                    "Право на приём",
                    "Admission priority",
                    &rights,
                ),
                registration_address()
                    .help("Измените, если ребёнок зарегистрирован по другому адресу"),
            ],
            scans(
                4,
                "Свидетельство о рождении, документ о регистрации ребёнка, документ о праве",
            ),
        ),
    }
}
